import Database from 'better-sqlite3';
import { eventIdFromPosition } from '../../domain/ids.js';

const STEP_PAGES = 2000;
const MAX_STEPS = 100;

/**
 * A consistent copy of the live database at `destination`, taken with SQLite's online backup API
 * on the daemon's own connection. The copy is made page by page with the event loop free between
 * steps; writes the daemon commits meanwhile go through the same connection, so SQLite carries
 * them into the copy instead of restarting it. The copy is then made self-contained (rollback
 * journal, no -wal beside it), so it is one file to move around.
 */
export async function backupDatabase(db: Database.Database, destination: string): Promise<{ lastEventId: string | null }> {
  // Pages the daemon writes meanwhile are added to what remains, so a backup that copied a little
  // per step could chase a busy writer for ever. Steps of STEP_PAGES (8 MiB of 4 KiB pages)
  // outpace any writer agentd has; after MAX_STEPS the rest is copied in one last step.
  let steps = 0;
  await db.backup(destination, { progress: ({ remainingPages }) => (++steps >= MAX_STEPS ? remainingPages : STEP_PAGES) });
  const copy = new Database(destination);
  try {
    copy.pragma('journal_mode = DELETE');
    const row = copy.prepare('SELECT max(position) AS last FROM events').get() as { last: number | null };
    return { lastEventId: row.last === null ? null : eventIdFromPosition(row.last) };
  } finally {
    copy.close();
  }
}
