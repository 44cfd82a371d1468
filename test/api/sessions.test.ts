import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';

describe('sessions and messages API', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({}, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  it('GET /health answers ok', async () => {
    const res = await d.api('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
  });

  it('POST /sessions creates a session with defaults and records session.created', async () => {
    const res = await d.api('POST', '/sessions', { body: { title: 'first' } });
    expect(res.status).toBe(201);
    const s = res.body.session;
    expect(s.id).toMatch(/^ses_[0-9a-z]{26}$/);
    expect(s).toMatchObject({ title: 'first', provider: 'command', owner: 'local', depth: 0, parent_session_id: null, thread_ids: {} });
    expect(s.root_session_id).toBe(s.id);
    expect(Date.parse(s.created_at)).not.toBeNaN();
    const got = await d.api('GET', `/sessions/${s.id}`);
    expect(got.body.session).toEqual({ ...s, last_seq: 1, updated_at: got.body.session.updated_at });
    const events = await d.api('GET', `/sessions/${s.id}/events`);
    expect(events.body.events.map((e: any) => e.type)).toEqual(['session.created']);
  });

  it('POST /sessions with no body at all works (it still says Content-Type: application/json)', async () => {
    const res = await fetch(`${d.url}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(201);
  });

  it('refuses an unknown provider and a missing cwd with 422 and creates nothing', async () => {
    const before = (await d.api('GET', '/sessions?limit=500')).body.sessions.length;
    const p = await d.api('POST', '/sessions', { body: { provider: 'nope' } });
    expect(p.status).toBe(422);
    expect(p.body.code).toBe('unknown_provider');
    const c = await d.api('POST', '/sessions', { body: { cwd: '/definitely/not/here' } });
    expect(c.status).toBe(422);
    expect(c.body.code).toBe('invalid_cwd');
    expect((await d.api('GET', '/sessions?limit=500')).body.sessions.length).toBe(before);
  });

  it('GET /sessions pages newest first with next_cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await d.api('POST', '/sessions', { body: { title: `p${i}` } })).body.session.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await d.api('GET', `/sessions?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.sessions.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.sessions.map((s: any) => s.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 5)).toEqual([...ids].reverse());
  });

  it('GET /sessions/:id of a missing session is a 404 problem', async () => {
    const res = await d.api('GET', '/sessions/ses_missing');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 404, code: 'session_not_found', title: 'Session not found' });
    expect(res.body.type).toMatch(/^https:\/\//);
    expect(res.body.detail).toContain('ses_missing');
  });

  it('a user message queues a run; other roles only record', async () => {
    const s = (await d.api('POST', '/sessions', { body: {} })).body.session;
    const user = await d.api('POST', `/sessions/${s.id}/messages`, { body: { text: 'echo hi' } });
    expect(user.status).toBe(201);
    expect(user.body.message).toMatchObject({ role: 'user', text: 'echo hi', session_id: s.id });
    expect(user.body.run).toMatchObject({ session_id: s.id, prompt: 'echo hi', provider: 'command' });
    expect(user.body.message.run_id).toBe(user.body.run.id);
    expect(user.body.run.message_id).toBe(user.body.message.id);
    const sys = await d.api('POST', `/sessions/${s.id}/messages`, { body: { text: 'note', role: 'system' } });
    expect(sys.status).toBe(201);
    expect(sys.body.run).toBeNull();
  });

  it('messages to a missing session are refused with 404', async () => {
    const res = await d.api('POST', '/sessions/ses_nope/messages', { body: { text: 'hi' } });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('session_not_found');
  });

  it('bad input gets clean 4xx problems: bad JSON, wrong types, unknown fields, oversize, unknown route', async () => {
    const s = (await d.api('POST', '/sessions', { body: {} })).body.session;
    const badJson = await d.api('POST', `/sessions/${s.id}/messages`, { body: '{"text":' });
    expect(badJson.status).toBe(400);
    expect(badJson.body.code).toBe('invalid_json');
    const wrongType = await d.api('POST', `/sessions/${s.id}/messages`, { body: { text: 42 } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.code).toBe('validation_failed');
    const missing = await d.api('POST', `/sessions/${s.id}/messages`, { body: {} });
    expect(missing.body.code).toBe('validation_failed');
    const extra = await d.api('POST', '/sessions', { body: { titel: 'typo' } });
    expect(extra.status).toBe(400);
    const badRole = await d.api('POST', `/sessions/${s.id}/messages`, { body: { text: 'x', role: 'robot' } });
    expect(badRole.status).toBe(400);
    const huge = await d.api('POST', `/sessions/${s.id}/messages`, { body: { text: 'x'.repeat(2 * 1024 * 1024) } });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('payload_too_large');
    const text = await d.api('POST', `/sessions/${s.id}/messages`, { body: 'plain', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    const unknown = await d.api('GET', '/nowhere');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('route_not_found');
    const badLimit = await d.api('GET', '/sessions?limit=abc');
    expect(badLimit.status).toBe(400);
    // Refused by the router before any route: still a problem document.
    const longId = await d.api('GET', `/sessions/${'x'.repeat(120)}/events`);
    expect(longId.status).toBe(400);
    expect(longId.headers.get('content-type')).toContain('application/problem+json');
    expect(longId.body.code).toBe('validation_failed');
    // None of it left a trace in the session.
    const events = await d.api('GET', `/sessions/${s.id}/events`);
    expect(events.body.events.map((e: any) => e.type)).toEqual(['session.created']);
  });
});
