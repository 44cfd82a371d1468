/**
 * The outbox's delivery loop. Woken when a commit queued deliveries, when an attempt ends, and by a
 * timer set for the next delivery that falls due — never by polling. Each pass takes the due
 * deliveries (up to `concurrency` in flight), sends them, and records every attempt with what it
 * decides: delivered; retried later on the schedule of domain/notifications.ts; given up after the
 * last attempt, which also disables a webhook endpoint that failed throughout; or, for a push
 * subscription its push service says is gone, the subscription removed.
 *
 * Invariants:
 * - a delivery is in flight at most once (`inFlight`), whether the schedule or a person started it;
 * - a delivery stays `pending` until its outcome is recorded, so a crash mid-send means it is sent
 *   again at the next start (at least once; the same webhook-id lets receivers drop the duplicate);
 * - stopping records nothing it did not hear back: an attempt cut short by close() stays due.
 */
import type { Logger } from 'pino';
import { MAX_ATTEMPTS, RETRY_DELAYS_MS, retryDelayMs } from '../domain/notifications.js';
import { AppError } from '../domain/errors.js';
import type { Delivery, NotificationPayload } from '../protocol/notifications.js';
import type { AttemptOutcome, DeliveryJob, NotificationStore, VapidKeys } from '../store/notifications.js';
import type { Clock } from './clock.js';
import type { HttpSender, SendResult } from './http-sender.js';
import { pushMessage } from './push-message.js';
import { pushRequest } from './push-request.js';
import { webhookHeaders } from './webhook-request.js';

export interface DeliveryWorkerOptions {
  clock: Clock;
  /** In [0, 1): the jitter of each retry delay. */
  random: () => number;
  /** Attempts in flight at once, across endpoints. */
  concurrency: number;
  sender: HttpSender;
  vapid: VapidKeys & { subject: string };
  userAgent: string;
  /** Settled deliveries older than this are forgotten (checked at start and daily). */
  keepMs: number;
}

export interface AttemptReport {
  delivery: Delivery | null;
  result: SendResult;
  trigger: AttemptOutcome['trigger'];
}

/** How long a push service keeps a message for a browser that is offline. */
const PUSH_TTL_S = 12 * 60 * 60;
const DAY_MS = 24 * 60 * 60 * 1000;
const SCHEDULE_HOURS = Math.round(RETRY_DELAYS_MS.reduce((a, b) => a + b, 0) / 3_600_000);

export class DeliveryWorker {
  private readonly inFlight = new Map<string, Promise<AttemptReport | undefined>>();
  private readonly listeners = new Set<(report: AttemptReport) => void>();
  private readonly idleWaiters: (() => void)[] = [];
  private passing: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private cancelTimer: (() => void) | null = null;
  private cancelPrune: (() => void) | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly store: NotificationStore,
    private readonly opts: DeliveryWorkerOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.unsubscribe = this.store.onQueued(() => this.wake());
    this.prune();
    this.wake();
  }

  /** Called for every attempt recorded (tests, and whoever wants to watch). */
  onAttempt(listener: (report: AttemptReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Look for due deliveries now (coalesced: a wake during a pass makes it look once more). */
  wake(): void {
    if (this.closed) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.passing = this.pass()
      .catch((err: unknown) => this.log.error({ err }, 'notification delivery pass failed'))
      .finally(() => {
        this.passing = null;
        this.settleIfIdle();
      });
  }

  /** Resolves once no pass runs and nothing is in flight. */
  settled(): Promise<void> {
    if (!this.passing && this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** One attempt now, outside the schedule (test, redeliver); resolves with the delivery after it. */
  async attemptNow(deliveryId: string): Promise<{ delivery: Delivery | null; result: SendResult }> {
    // Never twice at once: wait for an attempt already under way.
    await this.inFlight.get(deliveryId);
    const job = await this.store.deliveryJob(deliveryId);
    if (!job) throw new AppError('delivery_not_found', `delivery ${deliveryId} does not exist`);
    const report = await this.launch(job, 'manual');
    if (!report) throw new AppError('unavailable', 'agentd is stopping; the delivery was not attempted');
    return report;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    this.cancelTimer?.();
    this.cancelPrune?.();
    // Requests in flight end now; their deliveries stay pending and are sent after the next start.
    this.opts.sender.close();
    // The store closes after this: no pass or attempt may still be reading or writing it.
    await Promise.allSettled([this.passing, ...this.inFlight.values()]);
  }

  private async pass(): Promise<void> {
    do {
      this.again = false;
      const free = this.opts.concurrency - this.inFlight.size;
      if (free <= 0) return; // an attempt ending wakes the loop again
      const jobs = await this.store.dueDeliveries(this.opts.clock.now(), free, new Set(this.inFlight.keys()));
      if (this.closed) return;
      for (const job of jobs) void this.launch(job, 'schedule');
      if (jobs.length === free) this.again = true;
    } while (this.again && !this.closed);
    await this.arm();
  }

  /** Sets the timer for the next delivery that falls due, unless an attempt in flight will wake us first. */
  private async arm(): Promise<void> {
    this.cancelTimer?.();
    this.cancelTimer = null;
    const next = await this.store.nextDueAt();
    if (next === null || this.closed) return;
    const wait = next - this.opts.clock.now();
    // Due already but not taken: it is in flight (or slots are full); its end wakes the loop.
    if (wait <= 0) return;
    this.cancelTimer = this.opts.clock.setTimer(wait, () => this.wake());
  }

  private launch(job: DeliveryJob, trigger: AttemptOutcome['trigger']): Promise<AttemptReport | undefined> {
    const id = job.delivery.id;
    const attempt = this.attempt(job, trigger).finally(() => {
      this.inFlight.delete(id);
      this.wake();
      this.settleIfIdle();
    });
    this.inFlight.set(id, attempt);
    return attempt;
  }

  private async attempt(job: DeliveryJob, trigger: AttemptOutcome['trigger']): Promise<AttemptReport | undefined> {
    const at = this.opts.clock.now();
    const result = await this.send(job);
    // Cut short by close(): nothing was heard, so nothing is recorded and it stays due.
    if (this.closed && !result.ok) return undefined;
    const outcome: AttemptOutcome = { trigger, at, status: result.status, latencyMs: result.latencyMs, error: result.error, next: this.nextOf(job, trigger, result) };
    const { delivery, disabled } = await this.store.recordAttempt(job.delivery.id, outcome);
    const ids = { delivery_id: job.delivery.id, [job.target.kind === 'webhook' ? 'webhook_id' : 'subscription_id']: job.target.id };
    if (disabled) this.log.warn({ ...ids, error: result.error }, `webhook disabled: every attempt failed for about ${SCHEDULE_HOURS} h`);
    else if (outcome.next.state === 'gone') this.log.info(ids, 'push subscription removed: its push service says it no longer exists');
    else this.log.debug({ ...ids, status: result.status, ms: result.latencyMs, next: outcome.next.state }, 'notification attempt');
    const report: AttemptReport = { delivery, result, trigger };
    for (const listener of this.listeners) listener(report);
    return report;
  }

  private nextOf(job: DeliveryJob, trigger: AttemptOutcome['trigger'], result: SendResult): AttemptOutcome['next'] {
    if (result.ok) return { state: 'delivered' };
    // RFC 8030: 404 and 410 say the subscription expired or was withdrawn.
    if (job.target.kind === 'push' && (result.status === 404 || result.status === 410)) return { state: 'gone' };
    const { delivery } = job;
    if (trigger === 'manual') {
      // A test has no schedule: its one attempt settles it. Otherwise a manual attempt adds to the history only.
      return delivery.state === 'pending' && delivery.next_attempt_at === null ? { state: 'failed' } : { state: 'unchanged' };
    }
    if (result.permanent) return { state: 'failed' };
    const delay = retryDelayMs(delivery.attempts + 1, this.opts.random());
    if (delay !== null) return { state: 'pending', at: this.opts.clock.now() + delay };
    return job.target.kind === 'webhook'
      ? { state: 'failed', disableWebhook: { reason: `every attempt failed for about ${SCHEDULE_HOURS} h (${MAX_ATTEMPTS} attempts; last: ${result.error ?? 'no answer'})` } }
      : { state: 'failed' };
  }

  private async send(job: DeliveryJob): Promise<SendResult> {
    const target = job.target;
    if (target.kind === 'webhook') {
      const headers = webhookHeaders(target.secret, job.delivery.notification_id, job.payload, new Date(), this.opts.userAgent);
      return this.opts.sender.post(target.url, headers, job.payload);
    }
    let request: ReturnType<typeof pushRequest>;
    try {
      const message = pushMessage(job.delivery.notification_id, JSON.parse(job.payload) as NotificationPayload);
      request = pushRequest(target, JSON.stringify(message), this.opts.vapid, {
        ttlS: PUSH_TTL_S,
        urgency: job.delivery.type === 'approval.requested' ? 'high' : 'normal',
      });
    } catch (err) {
      // The subscription's keys are unusable: no retry can fix that.
      return { ok: false, status: null, latencyMs: 0, error: `cannot build the push message: ${(err as Error).message}`, permanent: true };
    }
    return this.opts.sender.post(target.endpoint, { ...request.headers, 'user-agent': this.opts.userAgent }, request.body);
  }

  private prune(): void {
    if (this.closed) return;
    const before = new Date(this.opts.clock.now() - this.opts.keepMs);
    this.store.pruneDeliveries(before).catch((err: unknown) => this.log.error({ err }, 'pruning old deliveries failed'));
    this.cancelPrune = this.opts.clock.setTimer(DAY_MS, () => this.prune());
  }

  private settleIfIdle(): void {
    if (this.passing || this.inFlight.size > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
