import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askingAgentOptions } from '../support/approvals.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { waitForFile } from '../support/files.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { waitUntil } from '../support/wait.js';
import { Webhook } from 'standardwebhooks';

/**
 * Webhook endpoints over the API against a live daemon and a local receiver (which needs
 * --webhook-allow-private): what each notification carries, every signature verified with the
 * Standard Webhooks library, filters, test, history, redelivery, removal and the errors.
 */
describe('webhooks', () => {
  let d: TestDaemon;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    d = await startTestDaemon({ notifications: { allowPrivate: true, pushSubject: 'mailto:test@example.com' } }, askingAgentOptions);
  });
  afterAll(async () => {
    await d?.close();
    await receiver?.close();
  });

  const post = async (path: string, body?: unknown) => d.api('POST', path, body === undefined ? {} : { body });
  const add = async (body: Record<string, unknown>) => {
    const res = await post('/webhooks', { url: `${receiver.url}/hook`, ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { webhook: any; secret: string };
  };
  const session = async (body: Record<string, unknown> = {}) => (await post('/sessions', body)).body.session;
  const runToEnd = async (sessionId: string, text: string) => {
    const run = (await post(`/sessions/${sessionId}/messages`, { text })).body.run;
    return (await d.api('GET', `/runs/${run.id}/wait?timeout_s=30`)).body.run;
  };
  /** The payloads the receiver got since request `from`, each verified with `secret` (or the test fails). */
  const verifiedSince = (secret: string, from: number) => receiver.requests.slice(from).map((r) => new Webhook(secret).verify(r.body, r.headers) as any);

  it('shows the secret once; every delivery is signed with it and carries the session, the run and its text', async () => {
    const from = receiver.requests.length;
    const { webhook, secret } = await add({ events: ['run.completed', 'run.failed'], description: 'ci bot' });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhook).toMatchObject({ id: expect.stringMatching(/^whk_/), url: `${receiver.url}/hook`, events: ['run.completed', 'run.failed'], session_id: null, description: 'ci bot', state: 'enabled' });
    for (const view of [(await d.api('GET', '/webhooks')).body, (await d.api('GET', `/webhooks/${webhook.id}`)).body]) {
      expect(JSON.stringify(view)).not.toContain(secret.slice(6));
    }

    const s = await session({ title: 'nightly build' });
    const done = await runToEnd(s.id, 'echo all green');
    const failed = await runToEnd(s.id, 'fail 3');
    const first = await receiver.nth(from + 1);
    const second = await receiver.nth(from + 2);
    // Each verifies with the endpoint's secret, as any Standard Webhooks receiver would check it.
    const bodies = verifiedSince(secret, from);
    expect(bodies).toHaveLength(2);
    expect(bodies.map((b) => [b.type, b.data.run.id]).sort()).toEqual([['run.completed', done.id], ['run.failed', failed.id]].sort());
    const completed = bodies.find((b) => b.type === 'run.completed');
    expect(completed.data).toMatchObject({ session: { id: s.id, title: 'nightly build' }, run: { state: 'completed' }, text: 'all green' });
    expect(bodies.find((b) => b.type === 'run.failed').data.text).toMatch(/^process exited with code 3/);
    expect(first.headers['webhook-id']).toMatch(/^ntf_/);
    expect(first.headers['user-agent']).toMatch(/^agentd\//);
    expect(first.headers['content-type']).toBe('application/json');
    expect(() => new Webhook(`whsec_${Buffer.from('another secret').toString('base64')}`).verify(first.body, first.headers)).toThrow();
    await d.api('DELETE', `/webhooks/${webhook.id}`);
  });

  it("follows a session filter into the session's children and nowhere else", async () => {
    const parent = await session();
    const other = await session();
    const { webhook, secret } = await add({ events: ['run.completed'], session_id: parent.id });
    const from = receiver.requests.length;
    const child = (await post(`/sessions/${parent.id}/spawn`, { task: 'echo from the child' })).body;
    await d.api('GET', `/runs/${child.run.id}/wait?timeout_s=30`);
    await runToEnd(other.id, 'echo elsewhere');
    await runToEnd(parent.id, 'echo from the parent');
    // Queued with each run's end: the history is complete once the runs are.
    const deliveries = (await d.api('GET', `/webhooks/${webhook.id}/deliveries`)).body.deliveries;
    expect(deliveries).toHaveLength(2);
    await receiver.nth(from + 2);
    const texts = verifiedSince(secret, from).map((p) => p.data.text).sort();
    expect(texts).toEqual(['from the child', 'from the parent']);
    await d.api('DELETE', `/webhooks/${webhook.id}`);
  });

  it('announces an approval with Approve and Deny actions that answer it', async () => {
    const { webhook } = await add({ events: ['approval.requested'] });
    const from = receiver.requests.length;
    const s = await session();
    const file = join(d.dir, 'approved-by-webhook');
    const run = (await post(`/sessions/${s.id}/messages`, { text: `ask touch ${file}` })).body.run;
    const payload = JSON.parse((await receiver.nth(from + 1)).body);
    expect(payload).toMatchObject({ type: 'approval.requested', data: { run: { id: run.id }, request: { kind: 'approval', command: `touch ${file}` } } });
    const approve = payload.data.actions.find((a: any) => a.action === 'approve');
    expect(payload.data.actions.map((a: any) => a.action)).toEqual(['approve', 'deny', 'open']);
    expect((await post(approve.path)).status).toBe(200);
    expect((await d.api('GET', `/runs/${run.id}/wait?timeout_s=30`)).body.run).toMatchObject({ state: 'completed', final_text: `approved touch ${file}` });
    await d.api('DELETE', `/webhooks/${webhook.id}`);
  });

  it('tests an endpoint, keeps its history (status, latency, attempts) and redelivers with the same webhook-id', async () => {
    const { webhook, secret } = await add({ events: ['run.completed'] });
    const from = receiver.requests.length;
    const tested = await post(`/webhooks/${webhook.id}/test`);
    expect(tested.status).toBe(200);
    expect(tested.body.delivery).toMatchObject({ type: 'webhook.test', state: 'delivered', attempts: 1, last_status: 204, last_error: null, webhook_id: webhook.id });
    expect(JSON.parse((await receiver.nth(from + 1)).body)).toMatchObject({ type: 'webhook.test', data: { webhook_id: webhook.id } });

    // A receiver that answers 500 leaves the delivery pending, with its next attempt scheduled.
    receiver.respond = () => 500;
    try {
      const s = await session();
      await runToEnd(s.id, 'echo flaky receiver');
      await receiver.nth(from + 2);
      const [pending] = (await d.api('GET', `/webhooks/${webhook.id}/deliveries?state=pending`)).body.deliveries;
      expect(pending).toBeDefined();
      // The receiver has answered; the attempt is recorded a moment later, in another process's time.
      const after = await waitUntil('the failed attempt is in the history', async () => {
        const detail = (await d.api('GET', `/webhooks/${webhook.id}/deliveries/${pending.id}`)).body;
        return detail.attempts.length > 0 && detail;
      });
      expect(after.delivery).toMatchObject({ state: 'pending', last_status: 500, last_error: 'HTTP 500: receiver says 500' });
      expect(Date.parse(after.delivery.next_attempt_at)).toBeGreaterThan(Date.parse(after.delivery.last_attempt_at));
      expect(after.attempts[0]).toEqual({ attempt: 1, at: expect.any(String), status: 500, latency_ms: expect.any(Number), error: 'HTTP 500: receiver says 500', trigger: 'schedule' });
      expect(after.payload).toMatchObject({ type: 'run.completed', data: { text: 'flaky receiver' } });

      receiver.respond = () => 204;
      const redelivered = await post(`/webhooks/${webhook.id}/deliveries/${pending.id}/redeliver`);
      expect(redelivered.status).toBe(200);
      expect(redelivered.body.delivery).toMatchObject({ id: pending.id, state: 'delivered', last_status: 204, next_attempt_at: null });
      // (A scheduled retry may have come in between on a slow machine: each failed the same way.)
      const history = (await d.api('GET', `/webhooks/${webhook.id}/deliveries/${pending.id}`)).body.attempts;
      expect(history.map((a: any) => [a.status, a.trigger])).toEqual([...new Array(history.length - 1).fill([500, 'schedule']), [204, 'manual']]);
      expect(redelivered.body.delivery.attempts).toBe(history.length);
      const sent = verifiedSince(secret, from + 1);
      expect(sent.length).toBe(history.length);
      expect(new Set(receiver.requests.slice(from + 1).map((r) => r.headers['webhook-id'])).size).toBe(1);
      const listed = (await d.api('GET', '/webhooks')).body.webhooks.find((w: any) => w.id === webhook.id);
      expect(listed.deliveries).toEqual({ pending: 0, delivered: 2, failed: 0 });
      expect(listed.last_success_at).toBe(redelivered.body.delivery.delivered_at);
    } finally {
      receiver.respond = () => 204;
      await d.api('DELETE', `/webhooks/${webhook.id}`);
    }
  });

  it('pages the history newest first', async () => {
    const { webhook } = await add({ events: ['run.completed'] });
    for (let i = 0; i < 3; i++) await post(`/webhooks/${webhook.id}/test`);
    const first = (await d.api('GET', `/webhooks/${webhook.id}/deliveries?limit=2`)).body;
    const rest = (await d.api('GET', `/webhooks/${webhook.id}/deliveries?limit=2&cursor=${first.next_cursor}`)).body;
    const ids = [...first.deliveries, ...rest.deliveries].map((x: any) => x.id);
    expect(ids).toHaveLength(3);
    expect([...ids].sort().reverse()).toEqual(ids);
    expect(rest.next_cursor).toBeNull();
    await d.api('DELETE', `/webhooks/${webhook.id}`);
  });

  it('sends nothing more to a removed endpoint, and forgets it', async () => {
    const { webhook } = await add({ events: ['run.completed'] });
    expect((await d.api('DELETE', `/webhooks/${webhook.id}`)).status).toBe(204);
    const from = receiver.requests.length;
    const s = await session();
    await runToEnd(s.id, 'echo nobody listens');
    expect(receiver.requests.length).toBe(from);
    for (const [method, path] of [['GET', `/webhooks/${webhook.id}`], ['DELETE', `/webhooks/${webhook.id}`], ['POST', `/webhooks/${webhook.id}/test`], ['GET', `/webhooks/${webhook.id}/deliveries`]] as const) {
      const res = await d.api(method, path);
      expect([res.status, res.body.code], `${method} ${path}`).toEqual([404, 'webhook_not_found']);
    }
  });

  it('replays a create with the same idempotency key, secret included', async () => {
    const body = { url: `${receiver.url}/idem`, events: ['session.idle'] };
    const first = await d.api('POST', '/webhooks', { body, headers: { 'Idempotency-Key': 'hook-1' } });
    const again = await d.api('POST', '/webhooks', { body, headers: { 'Idempotency-Key': 'hook-1' } });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await d.api('GET', '/webhooks')).body.webhooks.filter((w: any) => w.url === body.url)).toHaveLength(1);
    await d.api('DELETE', `/webhooks/${first.body.webhook.id}`);
  });

  it('refuses bad input clearly and changes nothing', async () => {
    const before = (await d.api('GET', '/webhooks')).body.webhooks.length;
    const cases: [unknown, number, string][] = [
      [{ url: `${receiver.url}/x`, events: ['run.exploded'] }, 400, 'validation_failed'],
      [{ url: `${receiver.url}/x`, events: [] }, 400, 'validation_failed'],
      [{ url: `${receiver.url}/x` }, 400, 'validation_failed'],
      [{ url: 'ftp://example.com/hook', events: ['run.failed'] }, 422, 'invalid_url'],
      [{ url: 'not a url', events: ['run.failed'] }, 422, 'invalid_url'],
      [{ url: `${receiver.url}/x`, events: ['run.failed'], session_id: 'ses_nothing' }, 404, 'session_not_found'],
      [{ url: `${receiver.url}/x`, events: ['run.failed'], secret: 'mine' }, 400, 'validation_failed'],
    ];
    for (const [body, status, code] of cases) {
      const res = await post('/webhooks', body);
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([status, code]);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await d.api('GET', '/webhooks')).body.webhooks).toHaveLength(before);
    expect((await d.api('GET', '/webhooks/whk_nothing/deliveries/dlv_nothing')).body.code).toBe('webhook_not_found');
  });

  it('is for operators: a run token may not list, add or test endpoints', async () => {
    const s = await session();
    const file = join(d.dir, 'run-env.json');
    const run = (await post(`/sessions/${s.id}/messages`, { text: `env-then ${file} hold` })).body.run;
    const token = JSON.parse(await waitForFile(file)).AGENTD_TOKEN as string;
    try {
      for (const [method, path, body] of [['GET', '/webhooks'], ['POST', '/webhooks', { url: `${receiver.url}/agent`, events: ['run.failed'] }], ['GET', '/push/vapid-public-key']] as const) {
        const res = await d.api(method, path, { token, ...(body && { body }) });
        expect([res.status, res.body.code], `${method} ${path}`).toEqual([403, 'forbidden']);
      }
    } finally {
      await post(`/runs/${run.id}/cancel`);
    }
  });
});

describe('webhooks between principals', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: ['alice:alice-secret', 'bob:bob-secret'], notifications: { allowPrivate: true, pushSubject: 'mailto:test@example.com' } });
  });
  afterAll(() => d?.close());

  it("lists only one's own endpoints; another's does not exist", async () => {
    const created = await d.api('POST', '/webhooks', { token: 'alice-secret', body: { url: 'http://127.0.0.1:9/alice', events: ['run.failed'] } });
    expect(created.status).toBe(201);
    const id = created.body.webhook.id;
    expect((await d.api('GET', '/webhooks', { token: 'bob-secret' })).body.webhooks).toEqual([]);
    for (const [method, path] of [['GET', `/webhooks/${id}`], ['DELETE', `/webhooks/${id}`], ['POST', `/webhooks/${id}/test`], ['POST', `/webhooks/${id}/enable`]] as const) {
      expect((await d.api(method, path, { token: 'bob-secret' })).body.code, `${method} ${path}`).toBe('webhook_not_found');
    }
    expect((await d.api('GET', `/webhooks/${id}`, { token: 'alice-secret' })).status).toBe(200);
    // A session filter must name a session of one's own.
    const bobs = (await d.api('POST', '/sessions', { token: 'bob-secret', body: {} })).body.session;
    const foreign = await d.api('POST', '/webhooks', { token: 'alice-secret', body: { url: 'http://127.0.0.1:9/x', events: ['run.failed'], session_id: bobs.id } });
    expect([foreign.status, foreign.body.code]).toEqual([404, 'session_not_found']);
  });
});

describe('webhooks without --webhook-allow-private', () => {
  let d: TestDaemon;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    d = await startTestDaemon();
  });
  afterAll(async () => {
    await d?.close();
    await receiver?.close();
  });

  it('refuses loopback, private and link-local targets, for webhooks and push subscriptions alike', async () => {
    for (const url of [`${receiver.url}/hook`, 'http://localhost:8080/', 'http://10.0.0.8/', 'http://[::1]:9000/', 'http://169.254.169.254/latest', 'http://[::ffff:192.168.0.1]/']) {
      const res = await d.api('POST', '/webhooks', { body: { url, events: ['run.failed'] } });
      expect([res.status, res.body.code], url).toEqual([422, 'address_not_allowed']);
      expect(res.body.detail).toContain('--webhook-allow-private');
    }
    const keys = { p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url'), auth: Buffer.alloc(16, 2).toString('base64url') };
    const push = await d.api('POST', '/push/subscriptions', { body: { subscription: { endpoint: `${receiver.url}/push`, keys } } });
    expect([push.status, push.body.code]).toEqual([422, 'address_not_allowed']);
    expect((await d.api('GET', '/webhooks')).body.webhooks).toEqual([]);
    expect(receiver.requests).toEqual([]);
  });

  it('accepts a public name, whose addresses are checked when sending', async () => {
    const res = await d.api('POST', '/webhooks', { body: { url: 'https://hooks.example.invalid/agentd', events: ['run.failed'] } });
    expect(res.status).toBe(201);
    const tested = await d.api('POST', `/webhooks/${res.body.webhook.id}/test`);
    expect(tested.body.delivery).toMatchObject({ state: 'failed', attempts: 1, last_status: null });
    expect(tested.body.delivery.last_error).toMatch(/ENOTFOUND|EAI_AGAIN/);
  });
});
