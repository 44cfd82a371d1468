/**
 * Web Push subscriptions of browsers (the web client's service worker): subscribe with what
 * `PushManager.subscribe()` returned, list, remove, test. A subscription belongs to the principal
 * that made it — the browser's signed-in operator — and receives that principal's notifications
 * (of one session and the sessions below it, when it names one). Its push endpoint goes through the
 * same address guard as a webhook's URL.
 */
import { AppError } from '../domain/errors.js';
import { NOTIFICATION_TYPES, type NotificationType } from '../domain/notifications.js';
import type { Principal } from '../domain/principal.js';
import type { Delivery, PushSubscriptionView } from '../protocol/notifications.js';
import { subscriptionView, type PushSubscriptionRecord } from '../store/notifications.js';
import type { Store } from '../store/store.js';
import { checkTargetUrl } from '../notifications/address-guard.js';
import type { DeliveryWorker } from '../notifications/delivery-worker.js';
import type { SessionService } from './sessions.js';

export interface SubscribeInput {
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
  events?: NotificationType[] | undefined;
  session_id?: string | undefined;
}

/** A base64url string that decodes to `bytes` bytes (and, for a public key, an uncompressed P-256 point). */
function checkKey(value: string, bytes: number, field: string): void {
  const decoded = /^[A-Za-z0-9_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64url') : Buffer.alloc(0);
  if (decoded.length !== bytes || (bytes === 65 && decoded[0] !== 4)) {
    throw new AppError('validation_failed', `body /subscription/keys/${field} must be the base64url ${bytes === 65 ? 'P-256 public key (65 bytes)' : 'auth secret (16 bytes)'} the browser gave`);
  }
}

export class PushService {
  constructor(
    private readonly store: Store,
    private readonly sessions: SessionService,
    private readonly worker: DeliveryWorker,
    private readonly opts: { allowPrivate: boolean; publicKey: string },
  ) {}

  private async owned(principal: Principal, id: string): Promise<PushSubscriptionRecord> {
    this.sessions.access.requireOperator(principal, 'manage push subscriptions');
    const record = await this.store.notifications.getPushSubscription(id);
    if (!record || record.owner !== principal.id) throw new AppError('push_subscription_not_found', `push subscription ${id} does not exist`);
    return record;
  }

  /** The VAPID public key, for `PushManager.subscribe({applicationServerKey})`. */
  publicKey(principal: Principal): { public_key: string } {
    this.sessions.access.requireOperator(principal, 'manage push subscriptions');
    return { public_key: this.opts.publicKey };
  }

  async subscribe(principal: Principal, input: SubscribeInput, userAgent: string | undefined): Promise<{ subscription: PushSubscriptionView }> {
    this.sessions.access.requireOperator(principal, 'manage push subscriptions');
    const endpoint = checkTargetUrl(input.subscription.endpoint, this.opts.allowPrivate, 'subscription.endpoint');
    checkKey(input.subscription.keys.p256dh, 65, 'p256dh');
    checkKey(input.subscription.keys.auth, 16, 'auth');
    const session = input.session_id === undefined ? null : await this.sessions.visible(principal, input.session_id);
    const record = await this.store.notifications.savePushSubscription({
      owner: principal.id,
      endpoint: endpoint.href,
      p256dh: input.subscription.keys.p256dh,
      auth: input.subscription.keys.auth,
      events: [...new Set(input.events ?? NOTIFICATION_TYPES)],
      session_id: session?.id ?? null,
      user_agent: userAgent?.slice(0, 300) ?? null,
    });
    return { subscription: subscriptionView(record) };
  }

  async list(principal: Principal): Promise<{ subscriptions: PushSubscriptionView[] }> {
    this.sessions.access.requireOperator(principal, 'manage push subscriptions');
    return { subscriptions: await this.store.notifications.listPushSubscriptions(principal.id) };
  }

  async remove(principal: Principal, id: string): Promise<void> {
    await this.owned(principal, id);
    await this.store.notifications.deletePushSubscription(id);
  }

  /** Pushes a test notification now and answers with how the push service took it. */
  async test(principal: Principal, id: string): Promise<{ delivery: Delivery | null }> {
    await this.owned(principal, id);
    const deliveryId = await this.store.notifications.queueTest({ subscriptionId: id }, {
      type: 'webhook.test',
      timestamp: new Date().toISOString(),
      data: { webhook_id: null, subscription_id: id, text: 'Notifications from agentd reach this browser.' },
    });
    // null: the push service said the subscription is gone, and it was removed.
    return { delivery: (await this.worker.attemptNow(deliveryId)).delivery };
  }
}
