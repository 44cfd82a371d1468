import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { openSse, openWs } from '../support/stream-clients.js';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const OLD = '2020-01-01T00:00:00.000Z';
const opsWith = (retainDays: number) => ({ log: { format: 'json' as const, file: null, rotateSizeMb: 10, rotateKeep: 5 }, metricsToken: null, retainDays });

describe('--retain-days', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ ops: opsWith(7) }, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  const api = async (method: string, path: string, body?: unknown) => d.api(method, path, { body });
  const db = () => (d.daemon.store as SqliteStore).db;
  const events = async (id: string, cursor?: string) => (await api('GET', `/sessions/${id}/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`)).body;
  const newSession = async () => (await api('POST', '/sessions', {})).body.session.id as string;
  const turn = async (session: string, text: string) => {
    const run = (await api('POST', `/sessions/${session}/messages`, { text })).body.run;
    return (await api('GET', `/runs/${run.id}/wait?timeout_s=30`)).body.run;
  };
  /** Everything written so far becomes older than the retention period. */
  const ageEverything = () => {
    db().prepare('UPDATE events SET ts = ?').run(OLD);
    db().prepare('UPDATE messages SET created_at = ?').run(OLD);
  };

  it('prunes ended sessions only; a session with a live run or an open request keeps every event; cursors expire with 410', async () => {
    const ended = await newSession();
    expect((await turn(ended, 'lines 3000')).state).toBe('completed');
    const oldCursor = (await events(ended)).events[1].id;

    const live = await newSession();
    const holding = (await api('POST', `/sessions/${live}/messages`, { text: 'hold' })).body.run.id;
    const liveBefore = (await events(live)).events;

    const parent = await newSession();
    const parentRun = await turn(parent, 'echo parent');
    const child = (await api('POST', `/runs/${parentRun.id}/spawn`, { task: 'echo child' })).body;
    await api('GET', `/runs/${child.run.id}/wait?timeout_s=30`);
    await api('POST', `/runs/${child.run.id}/reply-parent`, { text: 'may I?', request_kind: 'approval_request' });
    const parentBefore = (await events(parent)).events;
    const childBefore = (await events(child.session.id)).events;

    const mixed = await newSession();
    await turn(mixed, 'echo old');
    ageEverything();
    await turn(mixed, 'echo new');
    const mixedAll = (await events(mixed)).events;
    const pagesBefore = db().pragma('page_count', { simple: true }) as number;

    await d.daemon.retention.pass();

    // Ended and old: gone, messages too; the log's numbering is untouched.
    expect((await events(ended)).events).toEqual([]);
    expect((await api('GET', `/sessions/${ended}/messages`)).body.messages).toEqual([]);
    expect((await api('GET', `/sessions/${ended}`)).body.session.last_seq).toBeGreaterThan(3000);
    // Not ended: every event kept (only their timestamps were aged by this test).
    const ids = (list: any[]) => list.map((e) => [e.id, e.seq, e.type]);
    expect(ids((await events(live)).events.slice(0, liveBefore.length))).toEqual(ids(liveBefore));
    expect(ids((await events(parent)).events)).toEqual(ids(parentBefore));
    expect(ids((await events(child.session.id)).events)).toEqual(ids(childBefore));
    // Ended but active lately: only what is old goes; what came after the cutoff stays.
    const mixedNow = (await events(mixed)).events;
    expect(mixedNow.length).toBeGreaterThan(0);
    expect(mixedNow).toEqual(mixedAll.filter((e: any) => e.ts !== OLD));
    expect(mixedNow[0].data.message?.text ?? mixedNow[0].data.run?.prompt).toBe('echo new');

    // An expired cursor: 410 with the oldest cursor still valid, which works.
    const expired = await api('GET', `/sessions/${ended}/events?cursor=${oldCursor}`);
    expect(expired.status).toBe(410);
    expect(expired.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(expired.body).toMatchObject({ code: 'cursor_expired', status: 410, oldest_cursor: expect.stringMatching(/^evt_\d{16}$/) });
    expect((await events(ended, expired.body.oldest_cursor)).events).toEqual([]);
    const mixedExpired = await api('GET', `/sessions/${mixed}/events?cursor=${mixedAll[0].id}`);
    expect(mixedExpired.status).toBe(410);
    expect((await events(mixed, mixedExpired.body.oldest_cursor)).events).toEqual(mixedNow);
    // Streams refuse it the same way, per session and globally, before streaming anything.
    const sse = await openSse(`${d.url}/sessions/${ended}/stream?cursor=${oldCursor}`);
    expect(sse.status).toBe(410);
    await expect(openWs(`${d.url}/stream?cursor=${oldCursor}`)).rejects.toMatchObject({ status: 410 });
    // Pages freed by the deletion went back to the disk.
    expect(db().pragma('freelist_count', { simple: true })).toBe(0);
    expect(db().pragma('page_count', { simple: true })).toBeLessThan(pagesBefore);

    // Once its run ends, the live session is ended too, and its old events go on the next pass.
    await api('POST', `/runs/${holding}/cancel`);
    await d.daemon.retention.pass();
    const liveNow = (await events(live)).events;
    expect(liveNow.map((e: any) => e.type)).toEqual(['run.cancelled']);
  });
});

describe('a database from before incremental vacuum', () => {
  let d: TestDaemon | undefined;
  afterAll(async () => d?.close());

  it('is converted once when retention is turned on, keeping its data', async () => {
    d = await startTestDaemon((dir) => {
      // What older agentd versions created: no auto-vacuum.
      const raw = new Database(join(dir, 'agentd.db'));
      raw.exec('CREATE TABLE keep_me (x)');
      raw.prepare('INSERT INTO keep_me VALUES (1)').run();
      raw.close();
      return { ops: opsWith(30) };
    }, scriptedAgentOptions);
    const db = (d.daemon.store as SqliteStore).db;
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(db.prepare('SELECT x FROM keep_me').get()).toEqual({ x: 1 });
  });
});
