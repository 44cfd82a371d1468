import { closeSync, openSync, readFileSync, rmSync, writeSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { processStartTime } from '../runtime/process-tree.js';

export class DatabaseLockedError extends Error {
  constructor(readonly lockPath: string, readonly holderPid: number) {
    super(`another agentd (pid ${holderPid}) is already using this database; lock file ${lockPath}`);
  }
}

interface LockContent {
  pid: number;
  /** The process's start time, so a recycled pid of some other process is not mistaken for us. */
  proc_start: string | null;
  started_at: string;
}

function isAlive(lock: LockContent): boolean {
  try {
    process.kill(lock.pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else — still a live holder.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const start = processStartTime(lock.pid);
  return lock.proc_start === null || start === null || start === lock.proc_start;
}

/**
 * One daemon per database file. The lock is a file created exclusively beside the database and
 * holding the owner's pid; a lock whose process is gone (crash, SIGKILL) is stale and taken over.
 */
const heldHere = new Set<string>();

export function acquireDatabaseLock(dbPath: string): { path: string; release(): void } {
  const lockPath = `${dbPath}.lock`;
  // Two daemons inside one process (tests) share a pid, so the pid check alone cannot tell them apart.
  if (heldHere.has(lockPath)) throw new DatabaseLockedError(lockPath, process.pid);
  mkdirSync(dirname(lockPath), { recursive: true });
  const mine: LockContent = { pid: process.pid, proc_start: processStartTime(process.pid), started_at: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, JSON.stringify(mine));
      closeSync(fd);
      heldHere.add(lockPath);
      let released = false;
      return {
        path: lockPath,
        release() {
          if (released) return;
          released = true;
          heldHere.delete(lockPath);
          rmSync(lockPath, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder: LockContent | undefined;
    try {
      holder = JSON.parse(readFileSync(lockPath, 'utf8')) as LockContent;
    } catch {
      // Unreadable or half-written lock: treat as stale below.
    }
    if (holder && isAlive(holder)) throw new DatabaseLockedError(lockPath, holder.pid);
    rmSync(lockPath, { force: true });
  }
  throw new Error(`could not take the database lock ${lockPath}`);
}
