/**
 * Webhook endpoints: who may manage which, and what they may point at. An endpoint belongs to the
 * operator who made it and receives only notifications of that operator's sessions (of one session
 * and the sessions below it, when it names one). Run tokens manage none: an agent must not make
 * agentd send requests where it likes.
 */
import { AppError } from '../domain/errors.js';
import type { NotificationType } from '../domain/notifications.js';
import type { Principal } from '../domain/principal.js';
import type { Delivery, Webhook } from '../protocol/notifications.js';
import { webhookView, type DeliveryDetail, type WebhookRecord } from '../store/notifications.js';
import type { IdempotencyWrite, Store } from '../store/store.js';
import { checkTargetUrl } from '../notifications/address-guard.js';
import type { DeliveryWorker } from '../notifications/delivery-worker.js';
import { newWebhookSecret } from '../notifications/webhook-request.js';
import type { SessionService } from './sessions.js';

export interface NewWebhookInput {
  url: string;
  events: NotificationType[];
  session_id?: string | undefined;
  description?: string | undefined;
}

export class WebhookService {
  constructor(
    private readonly store: Store,
    private readonly sessions: SessionService,
    private readonly worker: DeliveryWorker,
    private readonly opts: { allowPrivate: boolean },
  ) {}

  /** The endpoint if the principal owns it; for anyone else it does not exist. */
  private async owned(principal: Principal, id: string): Promise<WebhookRecord> {
    this.sessions.access.requireOperator(principal, 'manage webhooks');
    const record = await this.store.notifications.getWebhook(id);
    if (!record || record.owner !== principal.id) throw new AppError('webhook_not_found', `webhook ${id} does not exist`);
    return record;
  }

  /** The endpoint and its secret: the only time the secret is shown. */
  async create(principal: Principal, input: NewWebhookInput, idem?: IdempotencyWrite): Promise<{ webhook: Webhook; secret: string }> {
    this.sessions.access.requireOperator(principal, 'manage webhooks');
    const url = checkTargetUrl(input.url, this.opts.allowPrivate);
    const session = input.session_id === undefined ? null : await this.sessions.visible(principal, input.session_id);
    const record = await this.store.notifications.createWebhook({
      owner: principal.id,
      url: url.href,
      events: [...new Set(input.events)],
      session_id: session?.id ?? null,
      description: input.description ?? null,
      secret: newWebhookSecret(),
    }, idem);
    return { webhook: webhookView(record), secret: record.secret };
  }

  async list(principal: Principal): Promise<{ webhooks: Webhook[] }> {
    this.sessions.access.requireOperator(principal, 'manage webhooks');
    return { webhooks: await this.store.notifications.listWebhooks(principal.id) };
  }

  async get(principal: Principal, id: string): Promise<{ webhook: Webhook }> {
    return { webhook: webhookView(await this.owned(principal, id)) };
  }

  async remove(principal: Principal, id: string): Promise<void> {
    await this.owned(principal, id);
    await this.store.notifications.deleteWebhook(id);
  }

  async enable(principal: Principal, id: string): Promise<{ webhook: Webhook }> {
    await this.owned(principal, id);
    return { webhook: webhookView(await this.store.notifications.enableWebhook(id)) };
  }

  /** Sends a `webhook.test` notification now and answers with how it went (disabled endpoints too). */
  async test(principal: Principal, id: string): Promise<{ delivery: Delivery }> {
    await this.owned(principal, id);
    const deliveryId = await this.store.notifications.queueTest({ webhookId: id }, {
      type: 'webhook.test',
      timestamp: new Date().toISOString(),
      data: { webhook_id: id, subscription_id: null, text: 'a test notification from agentd' },
    });
    return this.attempted(id, deliveryId);
  }

  async deliveries(
    principal: Principal,
    id: string,
    query: { state?: string | undefined; limit: number; cursor?: string | undefined },
  ): Promise<{ deliveries: Delivery[]; next_cursor: string | null }> {
    await this.owned(principal, id);
    const rows = await this.store.notifications.listDeliveries({ webhookId: id, state: query.state, beforeId: query.cursor, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    return { deliveries: page, next_cursor: rows.length > query.limit ? page[page.length - 1]!.id : null };
  }

  async delivery(principal: Principal, id: string, deliveryId: string): Promise<DeliveryDetail> {
    await this.owned(principal, id);
    const detail = await this.store.notifications.getDelivery(deliveryId);
    if (!detail || detail.delivery.webhook_id !== id) throw new AppError('delivery_not_found', `delivery ${deliveryId} of webhook ${id} does not exist`);
    return detail;
  }

  /** One more attempt of a delivery now, whatever its state; the same webhook-id as before. */
  async redeliver(principal: Principal, id: string, deliveryId: string): Promise<{ delivery: Delivery }> {
    await this.delivery(principal, id, deliveryId);
    return this.attempted(id, deliveryId);
  }

  private async attempted(id: string, deliveryId: string): Promise<{ delivery: Delivery }> {
    const { delivery } = await this.worker.attemptNow(deliveryId);
    // Removed while the attempt was in flight.
    if (!delivery) throw new AppError('webhook_not_found', `webhook ${id} was removed`);
    return { delivery };
  }
}
