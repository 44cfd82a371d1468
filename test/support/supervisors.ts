/**
 * Agents outlive a killed agentd (issue 19), so a test that kills one must stop what it left:
 * every supervisor of its database is told to stop its run, and the test waits for them to exit.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spoolRoot } from '../../src/supervisor/spool.js';
import { stopSupervisedRuns } from '../../src/supervisor/stop-all.js';

export async function stopLeftRuns(dbPath: string): Promise<void> {
  await stopSupervisedRuns(spoolRoot(dbPath), 'the test is over', 15_000);
}

/** The spool directories a database's supervised runs have now. */
export function spoolDirs(dbPath: string): string[] {
  const root = spoolRoot(dbPath);
  return existsSync(root) ? readdirSync(root).map((n) => join(root, n)) : [];
}
