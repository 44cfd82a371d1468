import { copyFileSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { agentctl } from '../support/processes.js';
import { waitUntil } from '../support/wait.js';

const OP = 'op-token-0123456789abcdef';

describe('agentctl db backup', () => {
  let d: TestDaemon;
  let restored: TestDaemon | undefined;
  let env: Record<string, string>;
  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: [OP] }, scriptedAgentOptions);
    env = { AGENTCTL_URL: d.url, AGENTCTL_AUTH_TOKEN: OP };
  });
  afterAll(async () => {
    writeFileSync(join(d.dir, 'stop-flood'), 'stop');
    await restored?.close();
    await d.close();
  });

  const api = async (method: string, path: string, body?: unknown) => (await d.api(method, path, { token: OP, body })).body;
  const lastSeq = async (id: string) => (await api('GET', `/sessions/${id}`)).session.last_seq as number;
  async function allEvents(target: TestDaemon, sessionId: string) {
    const events: any[] = [];
    let cursor = '';
    for (;;) {
      const page = (await target.api('GET', `/sessions/${sessionId}/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { token: OP })).body;
      events.push(...page.events);
      if (!page.has_more) return events;
      cursor = page.next_cursor;
    }
  }

  it('copies the database under write load; the copy has every event committed before it, gap-free, and restores', async () => {
    const session = (await api('POST', '/sessions', {})).session.id;
    const stop = join(d.dir, 'stop-flood');
    const run = (await api('POST', `/sessions/${session}/messages`, { text: `flood ${stop}` })).run.id;
    await waitUntil('the flooding run has written 1000 events', async () => (await lastSeq(session)) > 1000);
    const before = await lastSeq(session);

    const file = join(d.dir, 'backup.db');
    const backup = await agentctl(['--format', 'json', 'db', 'backup', file], env);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    const report = JSON.parse(backup.stdout);
    expect(report).toMatchObject({ file, bytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // The copy: intact, self-contained (no -wal needed), and its log a gap-free prefix of the live one.
    const copy = new Database(file, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    const seqs = (copy.prepare('SELECT seq FROM events WHERE session_id = ? ORDER BY seq').all(session) as { seq: number }[]).map((r) => r.seq);
    const last = copy.prepare('SELECT max(position) AS p FROM events').get() as { p: number };
    copy.close();
    expect(seqs.length).toBeGreaterThanOrEqual(before);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(report.last_event_id).toBe(`evt_${String(last.p).padStart(16, '0')}`);

    // The writer was still going: the live log grows past the copy while it runs on.
    await waitUntil('the live log grows past the backup', async () => (await lastSeq(session)) > seqs.length);
    writeFileSync(stop, 'stop');
    expect((await api('GET', `/runs/${run}/wait?timeout_s=30`)).run.state).toBe('completed');

    // Restore as the runbook says: the backup file becomes a daemon's database.
    restored = await startTestDaemon((dir) => {
      copyFileSync(file, join(dir, 'agentd.db'));
      return { authTokens: [OP] };
    }, scriptedAgentOptions);
    const live = (await allEvents(d, session)).slice(0, seqs.length);
    const back = await allEvents(restored, session);
    // The run was running in the copy: the restored daemon recovers it (interrupted → failed) after the copied events.
    expect(back.slice(0, seqs.length)).toEqual(live);
    expect(back.slice(seqs.length).map((e) => e.type)).toEqual(['run.interrupted', 'run.failed']);
  });

  it('refuses to overwrite a file unless --force, and leaves no partial file behind', async () => {
    const file = join(d.dir, 'exists.db');
    writeFileSync(file, 'keep me');
    const refused = await agentctl(['db', 'backup', file], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('exists (--force to replace it)');
    const forced = await agentctl(['db', 'backup', '--force', file], env);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/^backup written to .*exists\.db\n\d+ bytes, sha256 [0-9a-f]{64}, events up to evt_\d{16}\n$/);
    expect(readdirSync(d.dir).filter((f) => f.includes('.partial') || f.includes('.backup-'))).toEqual([]);
  });

  it('is refused without an operator token, changing nothing', async () => {
    const file = join(d.dir, 'nope.db');
    const r = await agentctl(['db', 'backup', file], { AGENTCTL_URL: d.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unauthorized');
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.partial`)).toBe(false);
    rmSync(file, { force: true });
  });
});
