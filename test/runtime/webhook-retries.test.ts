import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, RETRY_DELAYS_MS } from '../../src/domain/notifications.js';
import { DeliveryWorker, type AttemptReport } from '../../src/notifications/delivery-worker.js';
import { HttpSender } from '../../src/notifications/http-sender.js';
import { newVapidKeys } from '../../src/notifications/push-request.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { FakeClock } from '../support/fake-clock.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'whsec_c2VjcmV0LW9mLXRoZS1yZXRyeS10ZXN0';

/**
 * The delivery worker on a store, a receiver and a clock the test moves: a failing endpoint is
 * retried exactly on schedule, given up on after the last attempt and disabled — and then
 * receives nothing more. No sleeping: the clock jumps, and the test awaits each request.
 */
describe('webhook retries on an injectable clock', () => {
  let dir: string;
  let store: SqliteStore;
  let receiver: WebhookReceiver;
  let clock: FakeClock;
  let worker: DeliveryWorker;
  let reports: AttemptReport[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-retries-'));
    store = new SqliteStore(join(dir, 'db.sqlite'));
    receiver = await startReceiver(() => 500);
    clock = new FakeClock();
    worker = new DeliveryWorker(store.notifications, {
      clock,
      random: () => 0.5, // the nominal schedule, jitter aside (its bounds are tested in unit/domain)
      concurrency: 4,
      sender: new HttpSender({ allowPrivate: true, timeoutMs: 10_000 }),
      vapid: { ...newVapidKeys(), subject: 'mailto:test@example.com' },
      userAgent: 'agentd-test',
      keepMs: 30 * 24 * 3_600_000,
    }, pino({ level: 'silent' }));
    reports = [];
    worker.onAttempt((r) => reports.push(r));
    worker.start();
  });
  afterEach(async () => {
    await worker.close();
    await receiver.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const endpoint = () => store.notifications.createWebhook({
    owner: 'local', url: `${receiver.url}/hook`, events: ['run.completed'], session_id: null, description: null, secret: SECRET,
  });
  const completeRun = async (text: string) => {
    const session = await store.createSession({ title: 'retries', provider: 'command', cwd: dir, owner: 'local' });
    const run = await store.createRun(session.id, { provider: 'command', prompt: 'p' });
    await store.transitionRun(run.id, 'running');
    return store.transitionRun(run.id, 'completed', { patch: { final_text: text } });
  };

  it('retries a 500 on schedule for about a day, then disables the endpoint, which receives nothing more', async () => {
    const webhook = await endpoint();
    await completeRun('first');
    await receiver.nth(1);
    await worker.settled();
    let last = clock.now();
    for (const [i, delay] of RETRY_DELAYS_MS.entries()) {
      // Not a millisecond early…
      clock.advanceTo(last + delay - 1);
      await worker.settled();
      expect(receiver.requests.length, `attempt ${i + 2} came early`).toBe(i + 1);
      // …and exactly when due.
      clock.advanceTo(last + delay);
      await receiver.nth(i + 2);
      await worker.settled();
      last = clock.now();
    }
    expect(receiver.requests).toHaveLength(MAX_ATTEMPTS);

    // Every attempt was the same notification, correctly signed.
    const payloads = receiver.verified(SECRET) as any[];
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(payloads.every((p) => p.type === 'run.completed' && p.data.text === 'first')).toBe(true);

    const [delivery] = await store.notifications.listDeliveries({ webhookId: webhook.id, limit: 10 });
    expect(delivery).toMatchObject({ state: 'failed', attempts: MAX_ATTEMPTS, next_attempt_at: null, last_status: 500, last_error: 'HTTP 500: receiver says 500' });
    const detail = await store.notifications.getDelivery(delivery!.id);
    expect(detail!.attempts.map((a) => a.status)).toEqual(new Array(MAX_ATTEMPTS).fill(500));
    expect(detail!.attempts.every((a) => a.trigger === 'schedule')).toBe(true);
    const spans = detail!.attempts.slice(1).map((a, i) => Date.parse(a.at) - Date.parse(detail!.attempts[i]!.at));
    expect(spans).toEqual(RETRY_DELAYS_MS);

    const disabled = await store.notifications.getWebhook(webhook.id);
    expect(disabled).toMatchObject({ state: 'disabled', disabled_at: new Date(last).toISOString() });
    expect(disabled!.disabled_reason).toBe(`every attempt failed for about 25 h (${MAX_ATTEMPTS} attempts; last: HTTP 500: receiver says 500)`);

    // A disabled endpoint stops receiving: nothing is queued for it, and days pass without a request.
    receiver.respond = () => 204;
    await completeRun('second');
    clock.advance(3 * 24 * 3_600_000);
    await worker.settled();
    expect(receiver.requests).toHaveLength(MAX_ATTEMPTS);
    expect(await store.notifications.listDeliveries({ webhookId: webhook.id, limit: 10 })).toHaveLength(1);
    expect(reports).toHaveLength(MAX_ATTEMPTS);
  });

  it('keeps an endpoint enabled when something reached it while one delivery kept failing', async () => {
    // The receiver refuses one notification (say, a payload its code chokes on) and takes the rest.
    receiver.respond = (request) => (JSON.parse(request.body).data.text === 'poison' ? 500 : 204);
    const webhook = await endpoint();
    await completeRun('poison');
    await receiver.nth(1);
    await worker.settled();
    await completeRun('fine');
    await receiver.nth(2);
    await worker.settled();
    let last = clock.now();
    for (const delay of RETRY_DELAYS_MS) {
      clock.advanceTo(last + delay);
      await worker.settled();
      last = clock.now();
    }
    const deliveries = await store.notifications.listDeliveries({ webhookId: webhook.id, limit: 10 });
    expect(deliveries.map((d) => d.state).sort()).toEqual(['delivered', 'failed']);
    expect(receiver.requests).toHaveLength(MAX_ATTEMPTS + 1);
    expect(await store.notifications.getWebhook(webhook.id)).toMatchObject({ state: 'enabled', disabled_reason: null });
  });

  it('fails the pending deliveries of an endpoint it disables', async () => {
    const webhook = await endpoint();
    await completeRun('early');
    await receiver.nth(1);
    await worker.settled();
    let last = clock.now();
    // Walk the first delivery to its last attempt; a second notification arrives on the way.
    for (const [i, delay] of RETRY_DELAYS_MS.entries()) {
      clock.advanceTo(last + delay);
      await worker.settled();
      last = clock.now();
      if (i === RETRY_DELAYS_MS.length - 2) {
        await completeRun('late');
        await worker.settled();
      }
    }
    const deliveries = await store.notifications.listDeliveries({ webhookId: webhook.id, limit: 10 });
    expect((await store.notifications.getWebhook(webhook.id))!.state).toBe('disabled');
    // Newest first: the late one, cut short of its schedule.
    const late = deliveries[0]!;
    expect(late.attempts).toBeLessThan(MAX_ATTEMPTS);
    expect(late).toMatchObject({ state: 'failed', next_attempt_at: null, last_error: 'not attempted: the endpoint was disabled' });
    const requests = receiver.requests.length;
    clock.advance(24 * 3_600_000);
    await worker.settled();
    expect(receiver.requests.length).toBe(requests);
  });
});
