/**
 * The webhook and push routes, typed, over the transport of an AgentdApi — agentctl's node client or
 * the web client's fetch (wire types only: agentctl stays small, the page's bundle too).
 */
import type { AgentdApi } from './api.js';
import type { NotificationType } from '../domain/notifications.js';
import type { Delivery, DeliveryAttempt, NotificationPayload, PushSubscriptionView, Webhook } from '../protocol/notifications.js';

const at = (id: string) => `webhooks/${encodeURIComponent(id)}`;

export class NotificationsClient {
  constructor(private readonly client: AgentdApi) {}

  addWebhook(input: { url: string; events: string[]; session_id?: string; description?: string; idempotency_key?: string }) {
    return this.client.request<{ webhook: Webhook; secret: string }>('POST', 'webhooks', { body: input });
  }

  listWebhooks() {
    return this.client.request<{ webhooks: Webhook[] }>('GET', 'webhooks');
  }

  getWebhook(id: string) {
    return this.client.request<{ webhook: Webhook }>('GET', at(id));
  }

  removeWebhook(id: string) {
    return this.client.request<null>('DELETE', at(id));
  }

  enableWebhook(id: string) {
    return this.client.request<{ webhook: Webhook }>('POST', `${at(id)}/enable`);
  }

  testWebhook(id: string) {
    return this.client.request<{ delivery: Delivery }>('POST', `${at(id)}/test`);
  }

  listDeliveries(id: string, query: { state?: string; limit?: number; cursor?: string }) {
    return this.client.request<{ deliveries: Delivery[]; next_cursor: string | null }>('GET', `${at(id)}/deliveries`, { query });
  }

  getDelivery(id: string, deliveryId: string) {
    return this.client.request<{ delivery: Delivery; attempts: DeliveryAttempt[]; payload: NotificationPayload }>(
      'GET', `${at(id)}/deliveries/${encodeURIComponent(deliveryId)}`);
  }

  redeliver(id: string, deliveryId: string) {
    return this.client.request<{ delivery: Delivery }>('POST', `${at(id)}/deliveries/${encodeURIComponent(deliveryId)}/redeliver`);
  }

  listPushSubscriptions() {
    return this.client.request<{ subscriptions: PushSubscriptionView[] }>('GET', 'push/subscriptions');
  }

  pushPublicKey() {
    return this.client.request<{ public_key: string }>('GET', 'push/vapid-public-key');
  }

  /** `subscription`: what the browser's PushSubscription.toJSON() gives. */
  subscribePush(input: {
    subscription: { endpoint: string; expirationTime?: number | null; keys: { p256dh: string; auth: string } };
    events?: NotificationType[];
    session_id?: string;
  }) {
    return this.client.request<{ subscription: PushSubscriptionView }>('POST', 'push/subscriptions', { body: input });
  }

  unsubscribePush(id: string) {
    return this.client.request<null>('DELETE', `push/subscriptions/${encodeURIComponent(id)}`);
  }

  testPushSubscription(id: string) {
    return this.client.request<{ delivery: Delivery | null }>('POST', `push/subscriptions/${encodeURIComponent(id)}/test`);
  }
}
