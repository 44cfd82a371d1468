import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';

describe('runs API', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({}, scriptedAgentOptions);
  });
  afterAll(() => d.close());

  const newSession = async () => (await d.api('POST', '/sessions', { body: {} })).body.session.id as string;

  it('POST /runs queues a run; wait returns it once terminal with its final text', async () => {
    const sessionId = await newSession();
    const created = await d.api('POST', '/runs', { body: { session_id: sessionId, prompt: 'echo from-runs' } });
    expect(created.status).toBe(201);
    expect(created.body.run).toMatchObject({ session_id: sessionId, prompt: 'echo from-runs', message_id: null });
    const waited = await d.api('GET', `/runs/${created.body.run.id}/wait?timeout_s=20&interval_ms=100`);
    expect(waited.status).toBe(200);
    expect(waited.body.timed_out).toBe(false);
    expect(waited.body.run).toMatchObject({ state: 'completed', final_text: 'from-runs', exit_code: 0, attempt: 1 });
    expect(waited.body.run.ended_at).not.toBeNull();
    const got = await d.api('GET', `/runs/${created.body.run.id}`);
    expect(got.body.run).toEqual(waited.body.run);
  });

  it('POST /runs for a missing session is a 404 and GET of a missing run is a 404', async () => {
    expect((await d.api('POST', '/runs', { body: { session_id: 'ses_x', prompt: 'p' } })).body.code).toBe('session_not_found');
    const res = await d.api('GET', '/runs/run_missing');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('run_not_found');
  });

  it('wait on a run that does not end in time reports timed_out with its current state', async () => {
    const sessionId = await newSession();
    const run = (await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'hold' } })).body.run;
    const waited = await d.api('GET', `/runs/${run.id}/wait?timeout_s=0.2`);
    expect(waited.body.timed_out).toBe(true);
    expect(['queued', 'running']).toContain(waited.body.run.state);
    await d.api('POST', `/runs/${run.id}/cancel`);
  });

  it('transitions through the API follow the state machine; illegal ones are 409 and change nothing', async () => {
    const sessionId = await newSession();
    // The first run holds the session lane, so the second stays queued for us to move by hand.
    const holder = (await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'hold' } })).body.run;
    const queued = (await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'echo later' } })).body.run;
    expect((await d.api('GET', `/runs/${queued.id}`)).body.run.state).toBe('queued');

    const illegal = await d.api('POST', `/runs/${queued.id}/transition`, { body: { state: 'completed' } });
    expect(illegal.status).toBe(409);
    expect(illegal.body).toMatchObject({ code: 'invalid_transition', current_state: 'queued', requested_state: 'completed' });
    expect((await d.api('GET', `/runs/${queued.id}`)).body.run.state).toBe('queued');

    const mismatch = await d.api('POST', `/runs/${queued.id}/transition`, { body: { state: 'cancelled', expected_state: 'running' } });
    expect(mismatch.status).toBe(409);
    expect(mismatch.body.code).toBe('state_mismatch');

    const ok = await d.api('POST', `/runs/${queued.id}/transition`, { body: { state: 'cancelled', expected_state: 'queued', reason: 'not needed' } });
    expect(ok.status).toBe(200);
    expect(ok.body.run.state).toBe('cancelled');
    const events = (await d.api('GET', `/sessions/${sessionId}/events?limit=1000`)).body.events;
    const cancelled = events.find((e: any) => e.type === 'run.cancelled' && e.run_id === queued.id);
    expect(cancelled.data).toMatchObject({ from: 'queued', reason: 'not needed' });

    const bad = await d.api('POST', `/runs/${queued.id}/transition`, { body: { state: 'sleeping' } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    await d.api('POST', `/runs/${holder.id}/cancel`);
  });

  it('a manual queued → running is refused: only the pool starts runs, so none is left running with no worker', async () => {
    const sessionId = await newSession();
    const holder = (await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'hold' } })).body.run;
    const queued = (await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'echo started by the pool' } })).body.run;
    const forced = await d.api('POST', `/runs/${queued.id}/transition`, { body: { state: 'running', expected_state: 'queued' } });
    expect(forced.status).toBe(409);
    expect(forced.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(forced.body).toMatchObject({ code: 'invalid_transition', current_state: 'queued', requested_state: 'running', allowed: ['cancelled'] });
    expect(forced.body.detail).toMatch(/only the worker pool starts runs/);
    expect((await d.api('GET', `/runs/${queued.id}`)).body.run).toMatchObject({ state: 'queued', worker_id: null, attempt: 0 });
    // Still a normal queued run: it starts once the session's lane is free.
    await d.api('POST', `/runs/${holder.id}/cancel`);
    const waited = await d.api('GET', `/runs/${queued.id}/wait?timeout_s=20`);
    expect(waited.body.run).toMatchObject({ state: 'completed', final_text: 'started by the pool', attempt: 1 });
  });

  it('cancel of a queued run is immediate and idempotent', async () => {
    const sessionId = await newSession();
    const holder = (await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'hold' } })).body.run;
    const queued = (await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'echo x' } })).body.run;
    const first = await d.api('POST', `/runs/${queued.id}/cancel`);
    expect(first.status).toBe(200);
    expect(first.body.run.state).toBe('cancelled');
    const second = await d.api('POST', `/runs/${queued.id}/cancel`);
    expect(second.status).toBe(200);
    expect(second.body.run).toEqual(first.body.run);
    const held = await d.api('POST', `/runs/${holder.id}/cancel`);
    expect(held.body.run.state).toBe('cancelled');
  });

  it('GET /daemon/status reports the pool and queue counts by the seed field names', async () => {
    const res = await d.api('GET', '/daemon/status');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', max_concurrency: 4, alive_workers: 4, db_path: d.dbPath, auth_enabled: false });
    expect(res.body.workers).toHaveLength(4);
    for (const key of ['queued_count', 'running_count', 'completed_count', 'failed_count', 'cancelled_count', 'interrupted_count']) {
      expect(typeof res.body.queue_counts[key]).toBe('number');
    }
    expect(res.body.codex_invocation).toEqual({ profile: null, extra_args: [] });
    expect(res.body.uptime_s).toBeGreaterThanOrEqual(0);
  });

  it('a forced transition that ends a running run stops its process and frees the session lane', async () => {
    const sessionId = await newSession();
    const holder = (await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'hold' } })).body.run;
    const next = (await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'echo freed' } })).body.run;
    let pid = null;
    while (!pid) pid = (await d.api('GET', `/runs/${holder.id}`)).body.run.pid;
    const forced = await d.api('POST', `/runs/${holder.id}/transition`, { body: { state: 'interrupted', expected_state: 'running' } });
    expect(forced.body.run.state).toBe('interrupted');
    await d.api('POST', `/runs/${holder.id}/transition`, { body: { state: 'failed', reason: 'operator gave up' } });
    expect((await d.api('GET', `/runs/${next.id}/wait?timeout_s=20`)).body.run).toMatchObject({ state: 'completed', final_text: 'freed' });
    const failed = (await d.api('GET', `/runs/${holder.id}`)).body.run;
    expect(failed).toMatchObject({ state: 'failed', error: 'operator gave up' });
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('a queued run cancelled says why, and a bodyless POST with a JSON content type is fine', async () => {
    const sessionId = await newSession();
    const holder = (await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'hold' } })).body.run;
    const queued = (await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'echo x' } })).body.run;
    const res = await d.api('POST', `/runs/${queued.id}/cancel`, { headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.body.run).toMatchObject({ state: 'cancelled', error: 'cancelled by request' });
    await d.api('POST', `/runs/${holder.id}/cancel`);
  });

  it('a daemon shutdown is not held up by a long-poll: the wait answers at once', async () => {
    const sessionId = await newSession();
    const run = (await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text: 'hold' } })).body.run;
    const waiting = d.api('GET', `/runs/${run.id}/wait?timeout_s=3600`);
    while ((await d.api('GET', '/daemon/status')).body.open_waits === 0);
    await d.restart();
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.body.timed_out).toBe(true);
  });
});
