import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export class DatabaseLockedError extends Error {
  constructor(readonly lockPath: string, readonly holderPid: number | null) {
    super(`another agentd${holderPid === null ? '' : ` (pid ${holderPid})`} is already using this database; lock ${lockPath}`);
  }
}

/** The pid holding a POSIX lock on `path`, from /proc/locks (Linux); null where unknown. */
function lockHolder(path: string): number | null {
  try {
    const inode = statSync(path).ino;
    for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
      // "1: POSIX  ADVISORY  WRITE 28902 08:01:1234567 1073741824 1073742335"
      const fields = line.trim().split(/\s+/);
      if (fields[1] !== 'POSIX') continue;
      if (Number(fields[5]?.split(':')[2]) === inode) return Number(fields[4]);
    }
  } catch {
    // No /proc: the message goes without a pid.
  }
  return null;
}

/**
 * One daemon per database file. The lock is a small side database, `<db>.lock`, in SQLite's
 * exclusive locking mode with a write transaction held open for the daemon's life: taking it is
 * one atomic step (two daemons started at the same moment cannot both win), and the kernel drops
 * the lock when its holder dies, however it dies — no pid file, no stale detection, no window
 * between creating a lock and writing it. The file itself is never deleted: a daemon that opened
 * it just before a deletion would lock an unlinked file while the next one locked a new one.
 */
export function acquireDatabaseLock(dbPath: string): { path: string; release(): void } {
  const lockPath = `${dbPath}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const db = new Database(lockPath, { timeout: 0 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      // Fails at once with SQLITE_BUSY while another connection, in any process, holds it.
      db.exec('BEGIN EXCLUSIVE');
    } catch (err) {
      db.close();
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_BUSY') throw new DatabaseLockedError(lockPath, lockHolder(lockPath));
      // A lock file of an older agentd (JSON with a pid) is not a database: replace it once.
      if (code === 'SQLITE_NOTADB' && attempt === 0) {
        rmSync(lockPath, { force: true });
        continue;
      }
      throw err;
    }
    let released = false;
    return {
      path: lockPath,
      release() {
        if (released) return;
        released = true;
        // Closing rolls the transaction back and lets the lock go.
        db.close();
      },
    };
  }
}
