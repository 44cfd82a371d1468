import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Parent pid and process group of every process, read from /proc (Linux). Empty elsewhere. */
function processTable(): { pid: number; ppid: number; pgid: number }[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const table: { pid: number; ppid: number; pgid: number }[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after "(comm)": state ppid pgrp …; comm may contain spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.push({ pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]) });
    } catch {
      // The process ended while we looked; nothing to kill.
    }
  }
  return table;
}

/** Every live process in `pgid`'s group or descended from `rootPid`, leader excluded. */
export function groupAndDescendants(rootPid: number, pgid: number): number[] {
  const table = processTable();
  const children = new Map<number, number[]>();
  for (const p of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const found = new Set<number>(table.filter((p) => p.pgid === pgid && p.pid !== rootPid).map((p) => p.pid));
  const stack = [rootPid];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()!) ?? []) {
      if (!found.has(child)) {
        found.add(child);
        stack.push(child);
      }
    }
  }
  found.delete(rootPid);
  return [...found];
}

/** The kernel's start time of `pid` (field 22 of /proc/<pid>/stat), or null where unknown. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether `pid` runs. A zombie (dead, waiting for its parent or init to reap it) does not. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // No /proc (not Linux) or it just went away: trust the signal probe above.
    return existsSync(`/proc/${pid}`) || process.platform !== 'linux';
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // ESRCH: already gone, which is what we want.
  }
}

/**
 * Signals a run's whole tree: its process group, and any descendant that left the group (a
 * grandchild that called setsid). Descendants are found before signalling, because once the
 * leader dies they are re-parented and the chain back to it is lost.
 */
export function signalTree(rootPid: number, pgid: number, sig: NodeJS.Signals, known: Set<number> = new Set()): Set<number> {
  for (const pid of groupAndDescendants(rootPid, pgid)) known.add(pid);
  signal(rootPid, sig);
  signalGroup(pgid, sig, known);
  return known;
}

/** Signals a process group and the descendants found earlier that left it. */
export function signalGroup(pgid: number, sig: NodeJS.Signals, known: ReadonlySet<number>): void {
  signal(-pgid, sig);
  for (const pid of known) signal(pid, sig);
}

/** Signals each of `pids`, one by one (no group). */
export function signalProcesses(pids: Iterable<number>, sig: NodeJS.Signals): void {
  for (const pid of pids) signal(pid, sig);
}
