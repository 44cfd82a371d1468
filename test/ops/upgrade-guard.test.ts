import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENTD_BIN } from '../support/processes.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { DatabaseTooNewError, knownMigrations } from '../../src/store/sqlite/open.js';

function runAgentd(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [AGENTD_BIN, ...args], { env: { PATH: process.env.PATH } as NodeJS.ProcessEnv });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('a database migrated by a newer agentd', () => {
  let dir: string;
  let db: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-upgrade-'));
    db = join(dir, 'agentd.db');
    const store = new SqliteStore(db);
    await store.createSession({ title: 'kept', provider: 'command', cwd: dir, owner: 'local' });
    await store.close();
    // What a future agentd would have left: a migration this build has never heard of.
    const raw = new Database(db);
    raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(999, '999_from_the_future.sql', new Date().toISOString());
    raw.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused by the store, naming the unknown migration and the newest known one', () => {
    let error: unknown;
    try {
      new SqliteStore(db);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DatabaseTooNewError);
    const newest = knownMigrations().at(-1)!;
    expect((error as Error).message).toContain('999_from_the_future.sql');
    expect((error as Error).message).toContain(`knows migrations up to ${newest}`);
  });

  it('agentd exits 1 with the message and leaves the database as it was', async () => {
    const before = statSync(db).mtimeMs;
    const result = await runAgentd(['--port', '0', '--db', db]);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/^agentd: .*agentd\.db was migrated by a newer agentd: it has migration 999_from_the_future\.sql/m);
    expect(result.output).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect(statSync(db).mtimeMs).toBe(before);
    const raw = new Database(db, { readonly: true });
    expect(raw.prepare('SELECT count(*) AS n FROM sessions').get()).toEqual({ n: 1 });
    raw.close();
  });

  it('a database of this version opens as before', async () => {
    const fresh = join(dir, 'fresh.db');
    const store = new SqliteStore(fresh);
    await store.close();
    const again = new SqliteStore(fresh);
    expect(again.db.pragma('auto_vacuum', { simple: true })).toBe(2);
    await again.close();
  });
});
