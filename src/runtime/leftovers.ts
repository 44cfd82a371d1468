import { readdirSync, readFileSync } from 'node:fs';
import { isProcessAlive, processStartTime } from './process-tree.js';

/** What recovery knows of a run a previous daemon left `running`. */
export interface LeftRun {
  id: string;
  /** The agent's pid, which is also its process group id. */
  pgid: number | null;
  /** The agent's start time (from /proc) when it was spawned. */
  proc_start: string | null;
}

interface ProcessInfo {
  pid: number;
  pgid: number;
  /** The run id in its environment (AGENTD_RUN_ID), if it has one. */
  runId: string | null;
}

const RUN_ID_VAR = 'AGENTD_RUN_ID=';

/** Every live process with its group and its agentd run id, from /proc (Linux); empty elsewhere. */
function scanProcesses(): ProcessInfo[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: ProcessInfo[] = [];
  for (const name of names) {
    // Never this daemon itself, whatever its own environment says (an agent may have started it).
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      let runId: string | null = null;
      try {
        const env = readFileSync(`/proc/${name}/environ`, 'latin1');
        const at = env.indexOf(RUN_ID_VAR);
        if (at >= 0 && (at === 0 || env[at - 1] === '\0')) {
          const end = env.indexOf('\0', at);
          runId = env.slice(at + RUN_ID_VAR.length, end < 0 ? undefined : end);
        }
      } catch {
        // Another user's process: its environment is not ours to read, and it is not ours to kill.
      }
      found.push({ pid: Number(name), pgid: Number(fields[2]), runId });
    } catch {
      // It ended while we looked.
    }
  }
  return found;
}

/**
 * The processes a crashed daemon left behind for each run, found in one pass over /proc: every
 * process whose environment names the run (agentd gives each agent AGENTD_RUN_ID, and children
 * inherit it — run ids are unique, so this never matches a stranger), and every member of the
 * run's process group once the group is proven to be the run's. Proof is the group's leader still
 * being the agent (same pid and start time), or a member carrying the run's id. After a reboot
 * neither holds for a reused group id, so such a group is never signalled.
 */
export function leftoverProcesses(runs: readonly LeftRun[]): Map<string, { pids: number[]; pgid: number | null }> {
  const result = new Map<string, { pids: number[]; pgid: number | null }>();
  if (runs.length === 0) return result;
  const table = scanProcesses();
  for (const run of runs) {
    const marked = table.filter((p) => p.runId === run.id);
    const leaderIsAgent = run.pgid !== null && isProcessAlive(run.pgid) && run.proc_start !== null && processStartTime(run.pgid) === run.proc_start;
    const groupIsOurs = run.pgid !== null && (leaderIsAgent || marked.some((p) => p.pgid === run.pgid));
    const pids = new Set(marked.map((p) => p.pid));
    if (groupIsOurs) for (const p of table) if (p.pgid === run.pgid) pids.add(p.pid);
    result.set(run.id, { pids: [...pids], pgid: groupIsOurs ? run.pgid : null });
  }
  return result;
}
