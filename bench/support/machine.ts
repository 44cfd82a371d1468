import { cpus, release, totalmem, type as osType } from 'node:os';

/** One line naming the machine a figure was measured on. */
export function machineDetails(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return `node ${process.version}, ${osType()} ${release()}, ${cpu} × ${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
}
