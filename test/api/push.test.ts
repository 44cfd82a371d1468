import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askingAgentOptions } from '../support/approvals.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { pushKeys, verifyVapid, type PushKeys } from '../support/push-subscriber.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const TOKEN = 'op-secret';
const SUBJECT = 'mailto:push-test@example.com';

/**
 * Web Push as the web client's service worker sees it: subscribe with a browser's keys (signed in
 * with a session cookie), receive an approval encrypted for those keys and signed with the daemon's
 * VAPID key, decrypt it here with node:crypto (RFC 8291), and answer it with the action it carries,
 * using the cookie alone — as a service worker's fetch would.
 */
describe('web push', () => {
  let d: TestDaemon;
  let service: WebhookReceiver;
  let cookie: string;
  let browser: PushKeys;
  beforeAll(async () => {
    // Push services answer 201 Created.
    service = await startReceiver(() => 201);
    d = await startTestDaemon({ authTokens: [`op:${TOKEN}`], notifications: { allowPrivate: true, pushSubject: SUBJECT } }, askingAgentOptions);
    const signIn = await d.api('POST', '/auth/session', { token: TOKEN });
    cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    browser = pushKeys();
  });
  afterAll(async () => {
    await d?.close();
    await service?.close();
  });

  /** A request as the web page (or its service worker) makes it: the session cookie, no token. */
  const page = (method: string, path: string, body?: unknown) => d.api(method, path, { headers: { cookie }, ...(body !== undefined && { body }) });
  const subscribe = async (path: string, keys = browser.keys, extra: Record<string, unknown> = {}) =>
    page('POST', '/push/subscriptions', { subscription: { endpoint: `${service.url}${path}`, expirationTime: null, keys }, ...extra });
  const message = (index: number) => {
    const request = service.requests[index - 1]!;
    return { request, body: JSON.parse(browser.decrypt(request.raw)) };
  };

  it('hands out one VAPID public key, kept across restarts', async () => {
    const key = (await page('GET', '/push/vapid-public-key')).body.public_key as string;
    expect(Buffer.from(key, 'base64url')).toHaveLength(65);
    await d.restart();
    cookie = (await d.api('POST', '/auth/session', { token: TOKEN })).headers.get('set-cookie')!.split(';')[0]!;
    expect((await page('GET', '/push/vapid-public-key')).body.public_key).toBe(key);
  });

  it('pushes an approval, encrypted for the browser and signed with VAPID, whose Approve action answers it with the cookie', async () => {
    const publicKey = (await page('GET', '/push/vapid-public-key')).body.public_key;
    const subscribed = await subscribe('/push/browser-1', browser.keys, { events: ['approval.requested', 'run.completed'] });
    expect(subscribed.status).toBe(201);
    expect(subscribed.body.subscription).toMatchObject({ id: expect.stringMatching(/^psh_/), endpoint: `${service.url}/push/browser-1`, events: ['approval.requested', 'run.completed'], session_id: null });
    expect(JSON.stringify(subscribed.body)).not.toContain(browser.keys.auth);

    const from = service.requests.length;
    const session = (await page('POST', '/sessions', { title: 'deploy' })).body.session;
    const file = join(d.dir, 'approved-from-a-notification');
    const run = (await page('POST', `/sessions/${session.id}/messages`, { text: `ask touch ${file}` })).body.run;
    await service.nth(from + 1);
    const { request, body } = message(from + 1);

    // What a push service checks: the VAPID JWT, for its own origin, from our key.
    const vapid = verifyVapid(request.headers.authorization!);
    expect(vapid.key).toBe(publicKey);
    expect(vapid.claims).toMatchObject({ aud: service.url, sub: SUBJECT });
    expect(vapid.claims.exp * 1000).toBeGreaterThan(Date.now());
    expect(request.headers).toMatchObject({ 'content-encoding': 'aes128gcm', 'content-type': 'application/octet-stream', urgency: 'high' });
    expect(Number(request.headers.ttl)).toBeGreaterThan(0);

    // What the service worker shows, and the answers it can give.
    expect(body).toMatchObject({
      type: 'approval.requested',
      title: 'Approval needed: deploy',
      body: `run \`touch ${file}\` in ${session.cwd}`,
      session_id: session.id,
      run_id: run.id,
      request_id: expect.stringMatching(/^req_/),
      actions: [
        { action: 'approve', title: 'Approve', method: 'POST', path: `/requests/${body.request_id}/approve` },
        { action: 'deny', title: 'Deny', method: 'POST', path: `/requests/${body.request_id}/deny` },
        { action: 'open', title: 'Open', method: 'GET', path: `/sessions/${session.id}` },
      ],
    });
    expect(body.id).toMatch(/^ntf_/);
    expect(body.tag).toBe(body.request_id);

    const approve = body.actions.find((a: { action: string }) => a.action === 'approve');
    const answered = await page(approve.method, approve.path);
    expect(answered.status).toBe(200);
    expect(answered.body.request.answered_by).toMatchObject({ kind: 'person', principal: 'op' });
    expect((await page('GET', `/runs/${run.id}/wait?timeout_s=30`)).body.run.state).toBe('completed');
    expect(existsSync(file)).toBe(true);

    // A finished run opens its session.
    await service.nth(from + 2);
    const done = message(from + 2).body;
    expect(done).toMatchObject({ type: 'run.completed', title: 'Run completed: deploy', body: `approved touch ${file}`, actions: [{ action: 'open', path: `/sessions/${session.id}` }] });
    await page('DELETE', `/push/subscriptions/${subscribed.body.subscription.id}`);
  });

  it('updates a subscription subscribed again, tests it, and forgets one its push service says is gone', async () => {
    const first = (await subscribe('/push/browser-2')).body.subscription;
    const again = (await subscribe('/push/browser-2', browser.keys, { events: ['run.failed'] })).body.subscription;
    expect(again.id).toBe(first.id);
    expect(again.events).toEqual(['run.failed']);

    const from = service.requests.length;
    const tested = await page('POST', `/push/subscriptions/${first.id}/test`);
    expect(tested.body.delivery).toMatchObject({ type: 'webhook.test', state: 'delivered', last_status: 201, subscription_id: first.id });
    expect(message(from + 1).body).toMatchObject({ type: 'webhook.test', title: 'agentd test notification', actions: [] });

    // RFC 8030: 410 Gone — the browser unsubscribed or the subscription expired.
    service.respond = () => 410;
    try {
      expect((await page('POST', `/push/subscriptions/${first.id}/test`)).body).toEqual({ delivery: null });
      expect((await page('GET', '/push/subscriptions')).body.subscriptions).toEqual([]);
      expect((await page('POST', `/push/subscriptions/${first.id}/test`)).body.code).toBe('push_subscription_not_found');
    } finally {
      service.respond = () => 201;
    }
  });

  it('pushes nothing more after unsubscribing', async () => {
    const sub = (await subscribe('/push/browser-3', browser.keys, { events: ['run.completed'] })).body.subscription;
    expect((await page('DELETE', `/push/subscriptions/${sub.id}`)).status).toBe(204);
    const from = service.requests.length;
    const session = (await page('POST', '/sessions', {})).body.session;
    const run = (await page('POST', `/sessions/${session.id}/messages`, { text: 'echo unheard' })).body.run;
    await page('GET', `/runs/${run.id}/wait?timeout_s=30`);
    expect(service.requests.length).toBe(from);
    expect((await page('DELETE', `/push/subscriptions/${sub.id}`)).body.code).toBe('push_subscription_not_found');
  });

  it('refuses keys that are not a browser subscription’s', async () => {
    const cases = [
      { p256dh: 'too-short', auth: browser.keys.auth },
      { p256dh: browser.keys.p256dh, auth: Buffer.alloc(8).toString('base64url') },
      { p256dh: Buffer.alloc(65, 7).toString('base64url'), auth: browser.keys.auth },
    ];
    for (const keys of cases) {
      const res = await subscribe('/push/bad', keys);
      expect([res.status, res.body.code], JSON.stringify(keys)).toEqual([400, 'validation_failed']);
    }
    expect((await subscribe('/push/bad', browser.keys, { events: [] })).status).toBe(400);
    expect((await page('GET', '/push/subscriptions')).body.subscriptions).toEqual([]);
  });
});
