/**
 * Worktree bookkeeping of the SQLite store. A worktree lives on the rows of the sessions that
 * work in it (its owner and the children sharing it); removing it stamps them all, with an
 * event in each, in one transaction that first makes sure none of them has a run in flight.
 */
import { AppError } from '../../domain/errors.js';
import type { Run, Session } from '../../protocol/schemas.js';
import { toRun, toSession, type RunRow, type SessionRow } from './rows.js';
import type { SqliteStore } from './sqlite-store.js';

const ACTIVE_RUNS = `SELECT r.* FROM runs r JOIN sessions s ON s.id = r.session_id
  WHERE s.worktree_path = ? AND r.state IN ('queued', 'running') ORDER BY r.id`;

export function worktreeSessions(store: SqliteStore, path: string): Session[] {
  return (store.db.prepare('SELECT * FROM sessions WHERE worktree_path = ? ORDER BY id').all(path) as SessionRow[]).map(toSession);
}

export function activeRunsInWorktree(store: SqliteStore, path: string): Run[] {
  return (store.db.prepare(ACTIVE_RUNS).all(path) as RunRow[]).map(toRun);
}

export function markWorktreeRemoved(store: SqliteStore, path: string, how: { forced: boolean; already_gone: boolean }): Session[] {
  return store.write((tx) => {
    const active = store.db.prepare(ACTIVE_RUNS).all(path) as RunRow[];
    if (active.length > 0) {
      throw new AppError('worktree_busy', `run ${active[0]!.id} (${active[0]!.state}) works in ${path}; wait for it or cancel it first`, {
        run_ids: active.map((r) => r.id),
      });
    }
    const ts = new Date().toISOString();
    const stamped = store.db.prepare(`UPDATE sessions SET worktree_removed_at = ?, updated_at = ?
      WHERE worktree_path = ? AND worktree_removed_at IS NULL RETURNING *`).all(ts, ts, path) as SessionRow[];
    // Only sessions stamped now hear of it: a second removal announces nothing.
    for (const row of stamped) {
      const session = toSession(row);
      tx.emit(session.id, null, [{ type: 'session.worktree_removed', data: { worktree: session.worktree!, forced: how.forced, already_gone: how.already_gone } }]);
    }
    return worktreeSessions(store, path);
  });
}
