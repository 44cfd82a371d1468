import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';

describe('GET /sessions/{id}/messages pages by cursor', () => {
  let d: TestDaemon;
  let sessionId: string;
  const texts: string[] = [];
  beforeAll(async () => {
    d = await startTestDaemon({}, scriptedAgentOptions);
    sessionId = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    // Written straight to the store: the test is about reading them back.
    for (let i = 0; i < 105; i++) {
      texts.push(`note ${i}`);
      await d.daemon.store.postMessage({ session_id: sessionId, role: i % 2 ? 'system' : 'assistant', text: `note ${i}` });
    }
  });
  afterAll(() => d.close());

  it('a page is at most `limit` messages (100 by default) with next_cursor and has_more, like events', async () => {
    const first = await d.api('GET', `/sessions/${sessionId}/messages`);
    expect(first.status).toBe(200);
    expect(first.body.messages).toHaveLength(100);
    expect(first.body.has_more).toBe(true);
    expect(first.body.next_cursor).toBe(first.body.messages[99].id);
    const rest = await d.api('GET', `/sessions/${sessionId}/messages?cursor=${first.body.next_cursor}`);
    expect(rest.body.messages.map((m: any) => m.text)).toEqual(texts.slice(100));
    expect(rest.body.has_more).toBe(false);
    // At the end the cursor stays where it is, so it can always be passed back.
    const end = await d.api('GET', `/sessions/${sessionId}/messages?cursor=${rest.body.next_cursor}`);
    expect(end.body).toEqual({ messages: [], next_cursor: rest.body.next_cursor, has_more: false });
  });

  it('following next_cursor returns every message once, in order, whatever the page size', async () => {
    for (const limit of [1, 7, 105, 1000]) {
      const seen: string[] = [];
      let cursor = '';
      for (;;) {
        const page = await d.api('GET', `/sessions/${sessionId}/messages?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.body.messages.map((m: any) => m.text));
        if (!page.body.has_more) break;
        cursor = page.body.next_cursor;
      }
      expect(seen, `limit ${limit}`).toEqual(texts);
    }
  });

  it('a cursor that is not a message id, or a limit out of range, is refused', async () => {
    const bad = await d.api('GET', `/sessions/${sessionId}/messages?cursor=evt_0000000000000001`);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_cursor');
    for (const limit of ['0', '1001', '1e3']) {
      expect((await d.api('GET', `/sessions/${sessionId}/messages?limit=${limit}`)).body.code).toBe('validation_failed');
    }
    expect((await d.api('GET', '/sessions/ses_missing/messages')).body.code).toBe('session_not_found');
  });
});
