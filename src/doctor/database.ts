/** The database file: intact, its write-ahead log not piling up, room left on its disk. */
import { existsSync, statSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { fail, pass, warn, type Check } from './check.js';

export interface DatabaseLimits {
  /** A WAL above this means checkpoints are being held back. */
  walWarnBytes: number;
  /** Below this free space writes soon fail. */
  diskFailBytes: number;
  diskWarnBytes: number;
}

export const DEFAULT_DATABASE_LIMITS: DatabaseLimits = {
  walWarnBytes: 256 * 1024 * 1024,
  diskFailBytes: 100 * 1024 * 1024,
  diskWarnBytes: 1024 * 1024 * 1024,
};

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** `quick_check` reads every page: about a second per GB, on a read-only connection of its own. */
export function checkDatabase(path: string, limits: DatabaseLimits = DEFAULT_DATABASE_LIMITS): Check[] {
  const checks: Check[] = [];
  if (!existsSync(path)) {
    return [fail('database', `${path} does not exist`, 'check --db / AGENTD_DB; agentd creates the file on its first start')];
  }
  let verdict: string;
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      // One row per problem found (up to 100): the first two say enough on one line.
      const rows = (db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check.replace(/\s+/g, ' ').trim());
      verdict = rows[0] === 'ok' ? 'ok' : `${rows.slice(0, 2).join('; ')}${rows.length > 2 ? ` (and ${rows.length - 2} more)` : ''}`;
    } finally {
      db.close();
    }
  } catch (err) {
    verdict = (err as Error).message;
  }
  checks.push(
    verdict === 'ok'
      ? pass('database', `${path}: integrity ok, ${mib(statSync(path).size)}`)
      : fail('database', `${path}: ${verdict}`, 'stop agentd and restore the latest backup (docs/runbook.md, "Backups"); keep the damaged file for investigation'),
  );
  const wal = `${path}-wal`;
  const walBytes = existsSync(wal) ? statSync(wal).size : 0;
  checks.push(
    walBytes > limits.walWarnBytes
      ? warn('wal', `write-ahead log is ${mib(walBytes)}`, 'something keeps a read transaction open (a sqlite3 shell, a stuck backup): close it; agentd checkpoints by itself once nothing holds the old pages')
      : pass('wal', `write-ahead log ${mib(walBytes)}`),
  );
  const fs = statfsSync(dirname(path));
  const free = fs.bavail * fs.bsize;
  const fix = 'free space on that file system, or move the database (--db) to a larger one; --retain-days bounds the event log';
  if (free < limits.diskFailBytes) checks.push(fail('disk', `${mib(free)} free beside the database`, fix));
  else if (free < limits.diskWarnBytes) checks.push(warn('disk', `${mib(free)} free beside the database`, fix));
  else checks.push(pass('disk', `${mib(free)} free beside the database`));
  return checks;
}
