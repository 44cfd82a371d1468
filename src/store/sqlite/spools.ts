/**
 * Run output and spool progress in the SQLite store: a batch of a run's events, the provider's
 * thread id it reported, and the spool offset the batch reaches commit in one transaction — the
 * offset is how a restarted daemon knows which records it has already turned into events.
 */
import type { AgentEvent } from '../../protocol/schemas.js';
import type { RunOutputBatch, SpoolProgress } from '../store.js';
import type { SqliteStore } from './sqlite-store.js';
import type { Statement } from 'better-sqlite3';

const prepared = new WeakMap<object, Map<string, Statement>>();
function sql(store: SqliteStore, text: string): Statement {
  let cache = prepared.get(store.db);
  if (!cache) prepared.set(store.db, (cache = new Map()));
  let statement = cache.get(text);
  if (!statement) cache.set(text, (statement = store.db.prepare(text)));
  return statement;
}

export function appendRunOutput(store: SqliteStore, runId: string, batch: RunOutputBatch): AgentEvent[] {
  return store.write((tx) => {
    const events = batch.events.length > 0 ? tx.emit(batch.sessionId, runId, batch.events) : [];
    if (batch.thread) store.writeThreadId(tx, batch.sessionId, batch.thread.provider, batch.thread.id);
    if (batch.spool) {
      // An upsert: a daemon that died between starting the supervisor and recording it (startSpool)
      // left no row, and the offset must still be kept from the first batch on.
      sql(store, `INSERT INTO run_spools (run_id, attempt, spool_offset, supervisor_pid, started_at) VALUES (?, ?, ?, NULL, ?)
        ON CONFLICT (run_id, attempt) DO UPDATE SET spool_offset = excluded.spool_offset`).run(runId, batch.spool.attempt, batch.spool.offset, new Date().toISOString());
    }
    return events;
  });
}

export function startSpool(store: SqliteStore, runId: string, attempt: number, supervisorPid: number): void {
  sql(store, `INSERT INTO run_spools (run_id, attempt, spool_offset, supervisor_pid, started_at) VALUES (?, ?, 0, ?, ?)
    ON CONFLICT (run_id, attempt) DO UPDATE SET supervisor_pid = excluded.supervisor_pid`).run(runId, attempt, supervisorPid, new Date().toISOString());
}

export function getSpoolProgress(store: SqliteStore, runId: string, attempt: number): SpoolProgress | undefined {
  const row = sql(store, 'SELECT run_id, attempt, spool_offset, supervisor_pid FROM run_spools WHERE run_id = ? AND attempt = ?').get(runId, attempt) as
    | { run_id: string; attempt: number; spool_offset: number; supervisor_pid: number | null }
    | undefined;
  return row ? { runId: row.run_id, attempt: row.attempt, offset: row.spool_offset, supervisorPid: row.supervisor_pid } : undefined;
}
