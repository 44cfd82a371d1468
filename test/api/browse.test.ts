/**
 * Reading from the newest end, as the web client does: a session's log paged backwards, and the
 * session list with each session's newest run and the stream cursor to follow changes from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { openWs } from '../support/stream-clients.js';

describe('the event log paged backwards', () => {
  let d: TestDaemon;
  let sessionId: string;
  let whole: any[];
  beforeAll(async () => {
    d = await startTestDaemon({}, scriptedAgentOptions);
    sessionId = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    const other = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    for (let i = 0; i < 12; i++) {
      await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: `note ${i}`, role: 'system' } });
      // Interleaved with another session's events, so positions of this session are not consecutive.
      await d.api('POST', `/sessions/${other}/messages`, { body: { text: `elsewhere ${i}`, role: 'system' } });
    }
    whole = (await d.api('GET', `/sessions/${sessionId}/events?limit=1000`)).body.events;
    expect(whole.length).toBe(13);
  });
  afterAll(() => d.close());

  const back = (query: string) => d.api('GET', `/sessions/${sessionId}/events?direction=backward&${query}`);

  it('without a cursor it returns the newest events, oldest first, and says older ones exist', async () => {
    const page = await back('limit=5');
    expect(page.status).toBe(200);
    expect(page.body.events).toEqual(whole.slice(8));
    expect(page.body).toMatchObject({ next_cursor: whole[8].id, has_more: true });
  });

  it('following next_cursor walks back to the first event: every event once, nothing of another session', async () => {
    const pages: any[][] = [];
    let query = 'limit=4';
    for (;;) {
      const page = await back(query);
      pages.unshift(page.body.events);
      if (!page.body.has_more) break;
      query = `limit=4&cursor=${page.body.next_cursor}`;
    }
    expect(pages.flat()).toEqual(whole);
    expect(pages.length).toBe(4);
  });

  it('a cursor returns the events strictly before it; before the first there are none', async () => {
    expect((await back(`limit=3&cursor=${whole[5].id}`)).body).toEqual({ events: whole.slice(2, 5), next_cursor: whole[2].id, has_more: true });
    expect((await back(`cursor=${whole[0].id}`)).body).toEqual({ events: [], next_cursor: whole[0].id, has_more: false });
  });

  it('a malformed cursor or direction is a 400 problem', async () => {
    expect((await back('cursor=garbage')).body.code).toBe('invalid_cursor');
    const res = await d.api('GET', `/sessions/${sessionId}/events?direction=sideways`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
  });
});

describe('sessions with their activity', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({}, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  it("each listed session's newest run is there; a session without runs is absent from latest_runs", async () => {
    const busy = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    const quiet = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    const first = (await d.api('POST', `/sessions/${busy}/messages`, { body: { text: 'echo one' } })).body.run;
    await d.api('GET', `/runs/${first.id}/wait?timeout_s=30`);
    const second = (await d.api('POST', `/sessions/${busy}/messages`, { body: { text: 'echo two' } })).body.run;
    const done = (await d.api('GET', `/runs/${second.id}/wait?timeout_s=30`)).body.run;

    const res = await d.api('GET', '/sessions?include=activity');
    expect(res.status).toBe(200);
    expect(res.body.sessions.map((s: any) => s.id)).toEqual([quiet, busy]);
    expect(Object.keys(res.body.activity.latest_runs)).toEqual([busy]);
    expect(res.body.activity.latest_runs[busy]).toMatchObject({ id: second.id, state: 'completed', final_text: done.final_text });
    // Without include the answer is as it always was.
    expect((await d.api('GET', '/sessions')).body).not.toHaveProperty('activity');
  });

  it('the stream cursor is the end of the log when read: a stream from it gets exactly the later events', async () => {
    const session = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    await d.api('POST', `/sessions/${session}/messages`, { body: { text: 'before', role: 'system' } });
    const { stream_cursor: cursor } = (await d.api('GET', '/sessions?include=activity')).body.activity;
    const newest = (await d.api('GET', `/sessions/${session}/events?direction=backward&limit=1`)).body.events[0];
    expect(cursor).toBe(newest.id);

    const stream = await openWs(`${d.url}/stream?cursor=${cursor}`);
    try {
      await d.api('POST', `/sessions/${session}/messages`, { body: { text: 'after', role: 'system' } });
      const frame = await stream.waitFor((f) => f.type === 'message.created');
      expect(frame.data.message.text).toBe('after');
      expect(stream.events().map((f) => f.data.message.text)).toEqual(['after']);
    } finally {
      stream.close();
    }
  });

  it('an unknown include is a 400 problem', async () => {
    const res = await d.api('GET', '/sessions?include=everything');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
  });
});
