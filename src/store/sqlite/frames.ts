import type Database from 'better-sqlite3';
import { eventIdFromPosition } from '../../domain/ids.js';
import type { StoredFrame } from '../../protocol/event-json.js';

/**
 * An event's wire JSON built by SQLite from the row — the same members, in the same order, as
 * `wireEventJson` — and returned as a BLOB, so it arrives as a Buffer outside the JS heap. A
 * catch-up sends each stored event once, to one client: kept off the heap, the text of thousands
 * of catch-ups costs no garbage collection, and nothing is parsed or rebuilt on the way.
 */
const FRAME = `position, session_id, CAST(
  '{"id":"evt_' || printf('%016d', position) || '","session_id":' || json_quote(session_id) ||
  ',"seq":' || seq || ',"type":' || json_quote(type) || ',"ts":' || json_quote(ts) || ',"data":' || data ||
  CASE WHEN run_id IS NULL THEN '' ELSE ',"run_id":' || json_quote(run_id) END || '}' AS BLOB) AS json`;

interface FrameRow {
  position: number;
  session_id: string;
  json: Buffer;
}

export function frameQueries(db: Database.Database) {
  const session = db.prepare(`SELECT ${FRAME} FROM events WHERE session_id = ? AND position > ? ORDER BY position LIMIT ?`);
  // CROSS JOIN keeps the loop order of the owner-wide page: walk the log by position (see the
  // store). The frame's columns are the events table's alone, so they need no qualifier.
  const owner = db.prepare(`SELECT ${FRAME} FROM events e CROSS JOIN sessions s ON s.id = e.session_id
    WHERE e.position > ? AND s.owner = ? ORDER BY e.position LIMIT ?`);
  const toFrame = (row: FrameRow): StoredFrame => ({
    position: row.position,
    id: eventIdFromPosition(row.position),
    session_id: row.session_id,
    json: row.json,
  });
  return {
    list(scope: { sessionId: string } | { owner: string }, afterPosition: number, limit: number): StoredFrame[] {
      const rows = 'sessionId' in scope ? session.all(scope.sessionId, afterPosition, limit) : owner.all(afterPosition, scope.owner, limit);
      return (rows as FrameRow[]).map(toFrame);
    },
  };
}
