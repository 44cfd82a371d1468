/**
 * Agent processes still alive after the final daemon stopped: agentd must reap or kill every
 * agent, also those a killed daemon left behind (its successor kills them on start). Found by the
 * marker the harness puts on every agent's command line; Linux only (read from /proc).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { waitUntil } from '../../test/support/wait.js';

export function agentsAlive(marker: string): number[] {
  if (!existsSync('/proc')) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // A zombie's cmdline is empty: it is dead and only waits for its parent to reap it.
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone while we looked
    }
  }
  return pids;
}

/** The agents still alive once the kernel has had up to `timeoutMs` to finish those being killed. */
export async function agentsLeft(marker: string, timeoutMs: number): Promise<number[]> {
  try {
    await waitUntil('every agent process is gone', () => agentsAlive(marker).length === 0, { timeoutMs });
    return [];
  } catch {
    return agentsAlive(marker);
  }
}
