import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';

describe('idempotency keys', () => {
  let d: TestDaemon;
  let sessionId: string;
  beforeAll(async () => {
    d = await startTestDaemon({}, scriptedAgentOptions);
    sessionId = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
  });
  afterAll(() => d.close());

  const runsOf = async (id: string) =>
    (await d.api('GET', `/sessions/${id}/events?limit=1000`)).body.events.filter((e: any) => e.type === 'run.queued').length;

  it('the same key and body replays the first answer (status and body) with one effect', async () => {
    const body = { text: 'echo once', idempotency_key: 'k-replay' };
    const first = await d.api('POST', `/sessions/${sessionId}/messages`, { body });
    const second = await d.api('POST', `/sessions/${sessionId}/messages`, { body });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await runsOf(sessionId)).toBe(1);
  });

  it('the key may come in the Idempotency-Key header, and body key order does not matter', async () => {
    const first = await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'echo h', role: 'user' }, headers: { 'idempotency-key': 'k-header' } });
    const second = await d.api('POST', `/sessions/${sessionId}/messages`, { body: { role: 'user', text: 'echo h' }, headers: { 'idempotency-key': 'k-header' } });
    expect(second.body).toEqual(first.body);
  });

  it('the same key with another body is 422 idempotency_key_reused and changes nothing', async () => {
    await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'echo a', idempotency_key: 'k-reuse' } });
    const before = await runsOf(sessionId);
    const res = await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'echo b', idempotency_key: 'k-reuse' } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('idempotency_key_reused');
    expect(await runsOf(sessionId)).toBe(before);
  });

  it('keys are scoped per route: the same key on another session is another request', async () => {
    const other = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    const a = await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'echo s', idempotency_key: 'k-scope' } });
    const b = await d.api('POST', `/sessions/${other}/messages`, { body: { text: 'echo s', idempotency_key: 'k-scope' } });
    expect(b.status).toBe(201);
    expect(b.body.message.id).not.toBe(a.body.message.id);
  });

  it('while the first request is in flight, a concurrent one with the same key gets 409', async () => {
    const body = { text: 'echo race', idempotency_key: 'k-race' };
    const results = await Promise.all([
      d.api('POST', `/sessions/${sessionId}/messages`, { body }),
      d.api('POST', `/sessions/${sessionId}/messages`, { body }),
    ]);
    const statuses = results.map((r) => r.status).sort();
    // Either the second arrived while the first was in flight (409) or after it (replay).
    expect([[201, 201], [201, 409]]).toContainEqual(statuses);
    const conflict = results.find((r) => r.status === 409);
    if (conflict) expect(conflict.body.code).toBe('idempotency_key_in_flight');
    else expect(results[1]!.body).toEqual(results[0]!.body);
    expect(await runsOf(sessionId)).toBeGreaterThan(0);
  });

  it('header and body keys that differ are a 400', async () => {
    const res = await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'x', idempotency_key: 'a' }, headers: { 'idempotency-key': 'b' } });
    expect(res.status).toBe(400);
  });

  it('replays survive a daemon restart', async () => {
    const body = { text: 'echo durable', idempotency_key: 'k-durable' };
    const first = await d.api('POST', `/sessions/${sessionId}/messages`, { body });
    await d.restart();
    const again = await d.api('POST', `/sessions/${sessionId}/messages`, { body });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const reused = await d.api('POST', `/sessions/${sessionId}/messages`, { body: { ...body, text: 'other' } });
    expect(reused.status).toBe(422);
  });

  it('session creation takes a key too', async () => {
    const a = await d.api('POST', '/sessions', { body: { title: 't', idempotency_key: 'k-session' } });
    const b = await d.api('POST', '/sessions', { body: { title: 't', idempotency_key: 'k-session' } });
    expect(b.body.session.id).toBe(a.body.session.id);
  });
});
