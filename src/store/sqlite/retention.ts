/**
 * Retention: deleting old events and messages of sessions that have ended, and giving the freed
 * pages back to the disk. Runs beside a live daemon, so it works in small transactions and yields
 * to the event loop between them; every transaction re-checks that the session is still ended.
 */
import type { SqliteStore } from './sqlite-store.js';
import type { PruneResult } from '../store.js';

/** Events deleted per transaction: small enough that a writer never waits long for the lock. */
const CHUNK = 5000;
/** Pages returned to the file system per incremental-vacuum step (4 MiB of 4 KiB pages). */
const VACUUM_STEP_PAGES = 1000;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A session has ended when nothing of it can still run or wait: no live run, no open request. */
const ENDED = `NOT EXISTS (SELECT 1 FROM runs r WHERE r.session_id = s.id AND r.state IN ('queued', 'running', 'interrupted'))
  AND NOT EXISTS (SELECT 1 FROM requests q WHERE (q.parent_session_id = s.id OR q.child_session_id = s.id) AND q.state = 'open')`;

/**
 * The highest event position written before `cutoff`. The log is appended in time order, so this
 * is a binary search over positions (a handful of primary-key lookups), not a scan of `ts`.
 */
function positionBefore(store: SqliteStore, cutoffIso: string): number {
  const bounds = store.db.prepare('SELECT min(position) AS lo, max(position) AS hi FROM events').get() as { lo: number | null; hi: number | null };
  if (bounds.lo === null || bounds.hi === null) return 0;
  const tsAtOrAfter = store.db.prepare('SELECT position, ts FROM events WHERE position >= ? ORDER BY position LIMIT 1');
  let lo = bounds.lo;
  let hi = bounds.hi;
  let found = 0;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const row = tsAtOrAfter.get(mid) as { position: number; ts: string } | undefined;
    if (row && row.ts < cutoffIso) {
      found = row.position;
      lo = row.position + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

export async function pruneEndedSessions(store: SqliteStore, cutoff: Date): Promise<PruneResult> {
  const cutoffIso = cutoff.toISOString();
  const through = positionBefore(store, cutoffIso);
  const result: PruneResult = { sessions: 0, events: 0, messages: 0, throughPosition: through };
  if (through === 0) return result;
  const db = store.db;
  const candidates = db.prepare(`SELECT s.id FROM sessions s WHERE s.pruned_through < ? AND ${ENDED}`).pluck().all(through) as string[];
  const stillEnded = db.prepare(`SELECT 1 FROM sessions s WHERE s.id = ? AND ${ENDED}`);
  const chunk = db.prepare(`DELETE FROM events WHERE position IN
    (SELECT position FROM events WHERE session_id = ? AND position <= ? ORDER BY position LIMIT ${CHUNK}) RETURNING position`).pluck();
  const messages = db.prepare('DELETE FROM messages WHERE session_id = ? AND created_at < ?');
  const mark = db.prepare('UPDATE sessions SET pruned_through = max(pruned_through, ?) WHERE id = ?');
  for (const sessionId of candidates) {
    let touched = false;
    for (;;) {
      // Each chunk is its own transaction and checks again: a message may have queued a run since.
      const deleted = store.write(() => {
        if (!stillEnded.get(sessionId)) return -1;
        const positions = chunk.all(sessionId, through) as number[];
        if (positions.length > 0) mark.run(Math.max(...positions), sessionId);
        if (positions.length < CHUNK) {
          result.messages += messages.run(sessionId, cutoffIso).changes;
          // The watermark covers the whole range, also where this session had no events.
          mark.run(through, sessionId);
        }
        return positions.length;
      });
      if (deleted < 0) break;
      touched = true;
      result.events += deleted;
      await yieldToEventLoop();
      if (deleted < CHUNK) break;
    }
    if (touched) result.sessions += 1;
  }
  return result;
}

/**
 * Returns free pages to the file system in small steps (incremental auto-vacuum), yielding between
 * them. A database created before agentd used incremental auto-vacuum must be converted once with
 * a full VACUUM (`convertToIncrementalVacuum`).
 */
export async function vacuumFreePages(store: SqliteStore): Promise<number> {
  const db = store.db;
  if (db.pragma('auto_vacuum', { simple: true }) !== 2) return 0;
  let freed = 0;
  for (;;) {
    const free = db.pragma('freelist_count', { simple: true }) as number;
    if (free === 0) return freed;
    const step = Math.min(free, VACUUM_STEP_PAGES);
    db.pragma(`incremental_vacuum(${step})`);
    freed += step;
    await yieldToEventLoop();
  }
}

/** Whether the file needs the one-time conversion before free pages can be returned. */
export function needsVacuumConversion(store: SqliteStore): boolean {
  return store.db.pragma('auto_vacuum', { simple: true }) !== 2;
}

/** One full VACUUM that switches the file to incremental auto-vacuum; blocks for its duration. */
export function convertToIncrementalVacuum(store: SqliteStore): void {
  store.db.pragma('auto_vacuum = INCREMENTAL');
  store.db.exec('VACUUM');
}

export function prunedThrough(store: SqliteStore, scope: { sessionId: string } | { owner: string }): number {
  const row = 'sessionId' in scope
    ? store.db.prepare('SELECT pruned_through AS p FROM sessions WHERE id = ?').get(scope.sessionId)
    : store.db.prepare('SELECT max(pruned_through) AS p FROM sessions WHERE owner = ?').get(scope.owner);
  return (row as { p: number | null } | undefined)?.p ?? 0;
}

export function recordMaintenance(store: SqliteStore, key: string, value: string): void {
  store.db.prepare(`INSERT INTO maintenance (key, value, updated_at) VALUES (?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`).run(key, value, new Date().toISOString());
}
