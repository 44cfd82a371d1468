import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';

async function readAll(d: TestDaemon, sessionId: string, limit: number) {
  const all: any[] = [];
  let cursor = '';
  for (;;) {
    const page = await d.api('GET', `/sessions/${sessionId}/events?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.status).toBe(200);
    all.push(...page.body.events);
    if (!page.body.has_more) return { all, cursor: page.body.next_cursor as string };
    cursor = page.body.next_cursor;
  }
}

describe('event log paging by cursor', () => {
  let d: TestDaemon;
  let sessionId: string;
  beforeAll(async () => {
    d = await startTestDaemon({}, scriptedAgentOptions);
    sessionId = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    for (let i = 0; i < 12; i++) await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: `note ${i}`, role: 'system' } });
  });
  afterAll(() => d.close());

  it('returns every event once, in order, with gap-free seq, whatever the page size', async () => {
    const whole = (await readAll(d, sessionId, 1000)).all;
    expect(whole.length).toBe(13);
    expect(whole.map((e) => e.seq)).toEqual(whole.map((_, i) => i + 1));
    for (const size of [1, 2, 5, 13]) {
      expect((await readAll(d, sessionId, size)).all).toEqual(whole);
    }
  });

  it('a cursor returns events strictly after it; a cursor at the end returns none', async () => {
    const whole = (await readAll(d, sessionId, 1000)).all;
    const after = await d.api('GET', `/sessions/${sessionId}/events?cursor=${whole[4].id}`);
    expect(after.body.events).toEqual(whole.slice(5));
    const end = await d.api('GET', `/sessions/${sessionId}/events?cursor=${whole[whole.length - 1].id}`);
    expect(end.body).toEqual({ events: [], next_cursor: whole[whole.length - 1].id, has_more: false });
  });

  it('events of other sessions never show up in a session log', async () => {
    const other = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    await d.api('POST', `/sessions/${other}/messages`, { body: { text: 'elsewhere', role: 'system' } });
    const whole = (await readAll(d, sessionId, 1000)).all;
    expect(whole.every((e) => e.session_id === sessionId)).toBe(true);
  });

  it('a malformed cursor is a 400 problem', async () => {
    const res = await d.api('GET', `/sessions/${sessionId}/events?cursor=garbage`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_cursor');
  });

  it('cursors stay valid across a daemon restart and later events continue the sequence', async () => {
    const { all: before, cursor } = await readAll(d, sessionId, 3);
    await d.restart();
    const again = (await readAll(d, sessionId, 1000)).all;
    expect(again).toEqual(before);
    await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'after restart', role: 'system' } });
    const next = await d.api('GET', `/sessions/${sessionId}/events?cursor=${cursor}`);
    expect(next.body.events.length).toBe(1);
    expect(next.body.events[0].seq).toBe(before.length + 1);
    expect(next.body.events[0].data.message.text).toBe('after restart');
  });
});
