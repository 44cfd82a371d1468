/**
 * Notifications, a part of the Store: webhook endpoints, push subscriptions, the VAPID key pair,
 * and the outbox of deliveries. Notifications themselves are queued by the store's own write path,
 * in the transaction of the event that causes them; this interface is what the delivery worker and
 * the services use around that.
 */
import type { NotificationType } from '../domain/notifications.js';
import type { Delivery, DeliveryAttempt, NotificationPayload, PushSubscriptionView, Webhook } from '../protocol/notifications.js';
import type { IdempotencyWrite } from './store.js';

/** A webhook endpoint with what only the daemon sees. */
export interface WebhookRecord extends Webhook {
  owner: string;
  secret: string;
}

export interface NewWebhook {
  owner: string;
  url: string;
  events: NotificationType[];
  session_id: string | null;
  description: string | null;
  secret: string;
}

export interface PushSubscriptionRecord extends PushSubscriptionView {
  owner: string;
  p256dh: string;
  auth: string;
}

export interface NewPushSubscription {
  owner: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  events: NotificationType[];
  session_id: string | null;
  user_agent: string | null;
}

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

export type DeliveryTarget =
  | { kind: 'webhook'; id: string; url: string; secret: string }
  | { kind: 'push'; id: string; endpoint: string; p256dh: string; auth: string };

/** A delivery ready to be attempted, with everything the attempt needs. */
export interface DeliveryJob {
  delivery: Delivery;
  /** The exact body to sign and send. */
  payload: string;
  target: DeliveryTarget;
}

/** What an attempt did, and what becomes of its delivery. */
export interface AttemptOutcome {
  trigger: 'schedule' | 'manual';
  /** When it started (ms since the epoch, on the worker's clock). */
  at: number;
  status: number | null;
  latencyMs: number;
  error: string | null;
  next:
    | { state: 'delivered' }
    | { state: 'pending'; at: number }
    /**
     * Given up. With `disableWebhook`, its endpoint is disabled too (its other pending deliveries
     * failed) unless something reached the endpoint since this delivery's first attempt.
     */
    | { state: 'failed'; disableWebhook?: { reason: string } }
    | { state: 'unchanged' }
    /** The push service says the subscription no longer exists: it is removed, with its deliveries. */
    | { state: 'gone' };
}

export interface DeliveryFilter {
  webhookId?: string;
  subscriptionId?: string;
  state?: string | undefined;
  /** Newest first; continue with ids below this one. */
  beforeId?: string | undefined;
  limit: number;
}

export interface DeliveryDetail {
  delivery: Delivery;
  attempts: DeliveryAttempt[];
  payload: NotificationPayload;
}

export interface NotificationStore {
  /** Its idempotent answer is `{webhook, secret}`, as POST /webhooks answers. */
  createWebhook(input: NewWebhook, idem?: IdempotencyWrite): Promise<WebhookRecord>;
  getWebhook(id: string): Promise<WebhookRecord | undefined>;
  listWebhooks(owner: string): Promise<Webhook[]>;
  /** Removes the endpoint and its delivery history; whether it existed. */
  deleteWebhook(id: string): Promise<boolean>;
  /** Enabled again after agentd disabled it; deliveries resume with the next notification. */
  enableWebhook(id: string): Promise<WebhookRecord>;

  /** The daemon's VAPID key pair: the stored one, or `generate()`'s, stored once. */
  vapidKeys(generate: () => VapidKeys): Promise<VapidKeys>;
  /** Subscribes a browser; the same endpoint again replaces its keys, filter and owner. */
  savePushSubscription(input: NewPushSubscription): Promise<PushSubscriptionRecord>;
  getPushSubscription(id: string): Promise<PushSubscriptionRecord | undefined>;
  listPushSubscriptions(owner: string): Promise<PushSubscriptionView[]>;
  deletePushSubscription(id: string): Promise<boolean>;

  /** Called after a commit that queued deliveries. */
  onQueued(listener: () => void): () => void;
  /** Pending deliveries due at `nowMs`, oldest due first, leaving out `skip` (those in flight). */
  dueDeliveries(nowMs: number, limit: number, skip: ReadonlySet<string>): Promise<DeliveryJob[]>;
  /** When the next pending delivery falls due (ms), or null when none waits. */
  nextDueAt(): Promise<number | null>;
  deliveryJob(id: string): Promise<DeliveryJob | undefined>;
  /** Records one attempt and its consequence in one transaction. */
  recordAttempt(deliveryId: string, outcome: AttemptOutcome): Promise<{ delivery: Delivery | null; disabled: boolean }>;
  /** A `webhook.test` notification for one endpoint or subscription, attempted only by hand. */
  queueTest(target: { webhookId: string } | { subscriptionId: string }, payload: NotificationPayload): Promise<string>;
  listDeliveries(filter: DeliveryFilter): Promise<Delivery[]>;
  getDelivery(id: string): Promise<DeliveryDetail | undefined>;
  /** Forgets settled deliveries (and notifications no delivery refers to) older than `olderThan`. */
  pruneDeliveries(olderThan: Date): Promise<number>;
}

/** The public view of an endpoint: everything but its owner and its secret. */
export function webhookView(record: WebhookRecord): Webhook {
  const { owner: _owner, secret: _secret, ...view } = record;
  return view;
}

/** The public view of a subscription: everything but its owner and its keys. */
export function subscriptionView(record: PushSubscriptionRecord): PushSubscriptionView {
  const { owner: _owner, p256dh: _p256dh, auth: _auth, ...view } = record;
  return view;
}
