import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';

describe('bearer auth', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: ['token-a', 'token-b'] }, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  it('GET /health stays open', async () => {
    expect((await d.api('GET', '/health')).status).toBe(200);
  });

  it('no token and a wrong token are 401 with WWW-Authenticate: Bearer, on every other endpoint', async () => {
    for (const [method, path] of [['GET', '/sessions'], ['POST', '/sessions'], ['GET', '/daemon/status'], ['GET', '/runs/run_x'], ['GET', '/openapi.json'], ['GET', '/nowhere']]) {
      const none = await d.api(method!, path!);
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(none.body.code).toBe('unauthorized');
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const wrong = await d.api(method!, path!, { token: 'token-c' });
      expect(wrong.status).toBe(401);
    }
    const malformed = await d.api('GET', '/sessions', { headers: { authorization: 'Basic dG9rZW4tYQ==' } });
    expect(malformed.status).toBe(401);
  });

  it('a refused request changes nothing', async () => {
    const before = (await d.api('GET', '/sessions', { token: 'token-a' })).body.sessions.length;
    await d.api('POST', '/sessions', { body: {}, token: 'wrong' });
    expect((await d.api('GET', '/sessions', { token: 'token-a' })).body.sessions.length).toBe(before);
  });

  it('each token is its own principal: one cannot see or use the other\'s sessions', async () => {
    const a = (await d.api('POST', '/sessions', { body: {}, token: 'token-a' })).body.session;
    expect(a.owner).toMatch(/^op_/);
    expect(a.owner).not.toContain('token-a');
    const runA = (await d.api('POST', `/sessions/${a.id}/messages`, { body: { text: 'echo mine' }, token: 'token-a' })).body.run;
    for (const [method, path] of [['GET', `/sessions/${a.id}`], ['GET', `/sessions/${a.id}/events`], ['GET', `/runs/${runA.id}`], ['GET', `/runs/${runA.id}/wait?timeout_s=0`], ['POST', `/runs/${runA.id}/cancel`]]) {
      const res = await d.api(method!, path!, { token: 'token-b' });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const post = await d.api('POST', `/sessions/${a.id}/messages`, { body: { text: 'echo intruder' }, token: 'token-b' });
    expect(post.status).toBe(404);
    const listB = (await d.api('GET', '/sessions', { token: 'token-b' })).body.sessions;
    expect(listB.map((s: any) => s.id)).not.toContain(a.id);
    expect((await d.api('GET', `/sessions/${a.id}`, { token: 'token-a' })).status).toBe(200);
  });

  it('the same idempotency key from two principals is two requests', async () => {
    const a = await d.api('POST', '/sessions', { body: { idempotency_key: 'shared' }, token: 'token-a' });
    const b = await d.api('POST', '/sessions', { body: { idempotency_key: 'shared' }, token: 'token-b' });
    expect(b.status).toBe(201);
    expect(b.body.session.id).not.toBe(a.body.session.id);
  });
});
