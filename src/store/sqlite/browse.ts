/**
 * Reads that serve clients browsing the log from its newest end (the web client): a session's
 * events before a cursor, each session's newest run, and where the log ends. All ride existing
 * indexes: events(session_id, position), runs(session_id, id) and the events primary key.
 */
import type { Statement } from 'better-sqlite3';
import { eventIdFromPosition } from '../../domain/ids.js';
import type { AgentEvent, Run } from '../../protocol/schemas.js';
import { toEvent, toRun, type EventRow, type RunRow } from './rows.js';
import type { SqliteStore } from './sqlite-store.js';

const prepared = new WeakMap<object, Map<string, Statement>>();
function sql(store: SqliteStore, text: string): Statement {
  let cache = prepared.get(store.db);
  if (!cache) prepared.set(store.db, (cache = new Map()));
  let statement = cache.get(text);
  if (!statement) cache.set(text, (statement = store.db.prepare(text)));
  return statement;
}

/** Events of one session strictly before `beforePosition` (the end when null), newest first. */
export function listEventsBefore(store: SqliteStore, sessionId: string, beforePosition: number | null, limit: number): AgentEvent[] {
  const rows = sql(store, 'SELECT * FROM events WHERE session_id = ? AND position < ? ORDER BY position DESC LIMIT ?')
    .all(sessionId, beforePosition ?? Number.MAX_SAFE_INTEGER, limit) as EventRow[];
  return rows.map(toEvent);
}

/** The newest run of each given session that has one. */
export function latestRuns(store: SqliteStore, sessionIds: string[]): Run[] {
  const newest = sql(store, 'SELECT * FROM runs WHERE session_id = ? ORDER BY id DESC LIMIT 1');
  const runs: Run[] = [];
  for (const id of sessionIds) {
    const row = newest.get(id) as RunRow | undefined;
    if (row) runs.push(toRun(row));
  }
  return runs;
}

/** The id of the newest event in the whole log, or null while it is empty. */
export function headEventId(store: SqliteStore): string | null {
  const row = sql(store, 'SELECT max(position) AS position FROM events').get() as { position: number | null };
  return row.position === null ? null : eventIdFromPosition(row.position);
}
