import { readdirSync, readFileSync } from 'node:fs';

/** Live pids whose process group is `pgid`, read from /proc (Linux). A zombie is dead, awaiting its reaper. */
export function liveGroupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(group) === pgid && state !== 'Z') out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}
