/**
 * Starts a raw reference server (bench/servers/*) in its own process, as agentd runs in its own,
 * so the load generator never shares an event loop with the server it measures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BUILT_SERVERS } from './repo.js';

export interface ChildServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** The server prints one JSON line `{"port": n}` once it listens. */
export function startChildServer(name: string, args: string[] = []): Promise<ChildServer> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [join(BUILT_SERVERS, `${name}.js`), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      const { port } = JSON.parse(line) as { port: number };
      resolve({
        url: `http://127.0.0.1:${port}`,
        pid: child.pid!,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
    child.on('error', reject);
    void exited.then(() => reject(new Error(`${name} exited before listening`)));
  });
}
