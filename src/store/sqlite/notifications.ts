/**
 * Notifications in the SQLite store: webhook endpoints, push subscriptions and the VAPID key pair
 * (here), the outbox's write side (outbox.ts, called from SqliteStore.write) and its read side
 * (deliveries.ts). Every change to an endpoint or subscription reloads the outbox's targets.
 */
import type Database from 'better-sqlite3';
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { NotificationType } from '../../domain/notifications.js';
import type { NotificationPayload, PushSubscriptionView, Webhook } from '../../protocol/notifications.js';
import type {
  AttemptOutcome, DeliveryFilter, NewPushSubscription, NewWebhook, NotificationStore, PushSubscriptionRecord, VapidKeys, WebhookRecord,
} from '../notifications.js';
import { subscriptionView, webhookView } from '../notifications.js';
import type { IdempotencyWrite } from '../store.js';
import { SqliteDeliveries } from './deliveries.js';
import { SqliteOutbox } from './outbox.js';
import type { SqliteStore } from './sqlite-store.js';

interface WebhookRow {
  id: string;
  owner: string;
  url: string;
  events: string;
  session_id: string | null;
  description: string | null;
  secret: string;
  state: Webhook['state'];
  disabled_reason: string | null;
  disabled_at: string | null;
  last_success_at: string | null;
  created_at: string;
  updated_at: string;
}

interface SubscriptionRow {
  id: string;
  owner: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  events: string;
  session_id: string | null;
  user_agent: string | null;
  created_at: string;
  updated_at: string;
}

type Counts = Webhook['deliveries'];

const now = () => new Date().toISOString();

export class SqliteNotifications implements NotificationStore {
  readonly outbox: SqliteOutbox;
  private readonly deliveries: SqliteDeliveries;
  private readonly stmt;

  constructor(private readonly store: SqliteStore, db: Database.Database) {
    this.outbox = new SqliteOutbox(store, db);
    this.deliveries = new SqliteDeliveries(db, () => this.outbox.reload());
    this.stmt = {
      insertWebhook: db.prepare(`INSERT INTO webhook_endpoints (id, owner, url, events, session_id, description, secret, state, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, 'enabled', ?, ?)`),
      getWebhook: db.prepare('SELECT * FROM webhook_endpoints WHERE id = ?'),
      listWebhooks: db.prepare('SELECT * FROM webhook_endpoints WHERE owner = ? ORDER BY id'),
      deleteWebhook: db.prepare('DELETE FROM webhook_endpoints WHERE id = ?'),
      enableWebhook: db.prepare(`UPDATE webhook_endpoints SET state = 'enabled', disabled_reason = NULL, disabled_at = NULL, updated_at = ? WHERE id = ?`),
      endpointCounts: db.prepare('SELECT state, count(*) AS n FROM deliveries WHERE endpoint_id = ? GROUP BY state'),
      subscriptionCounts: db.prepare('SELECT state, count(*) AS n FROM deliveries WHERE subscription_id = ? GROUP BY state'),
      getVapid: db.prepare('SELECT public_key, private_key FROM vapid_keys WHERE id = 1'),
      insertVapid: db.prepare('INSERT OR IGNORE INTO vapid_keys (id, public_key, private_key, created_at) VALUES (1, ?, ?, ?)'),
      upsertSubscription: db.prepare(`INSERT INTO push_subscriptions (id, owner, endpoint, p256dh, auth, events, session_id, user_agent, created_at, updated_at)
        VALUES (@id, @owner, @endpoint, @p256dh, @auth, @events, @session_id, @user_agent, @ts, @ts)
        ON CONFLICT (endpoint) DO UPDATE SET owner = excluded.owner, p256dh = excluded.p256dh, auth = excluded.auth,
          events = excluded.events, session_id = excluded.session_id, user_agent = excluded.user_agent, updated_at = excluded.updated_at
        RETURNING id`),
      getSubscription: db.prepare('SELECT * FROM push_subscriptions WHERE id = ?'),
      listSubscriptions: db.prepare('SELECT * FROM push_subscriptions WHERE owner = ? ORDER BY id'),
      deleteSubscription: db.prepare('DELETE FROM push_subscriptions WHERE id = ?'),
    };
  }

  private counts(rows: { state: keyof Counts; n: number }[]): Counts {
    const counts: Counts = { pending: 0, delivered: 0, failed: 0 };
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  private toWebhook(row: WebhookRow): WebhookRecord {
    return {
      ...row,
      events: JSON.parse(row.events) as NotificationType[],
      deliveries: this.counts(this.stmt.endpointCounts.all(row.id) as never),
    };
  }

  private toSubscription(row: SubscriptionRow): PushSubscriptionRecord {
    return {
      ...row,
      events: JSON.parse(row.events) as NotificationType[],
      deliveries: this.counts(this.stmt.subscriptionCounts.all(row.id) as never),
    };
  }

  private webhookRow(id: string): WebhookRow {
    const row = this.stmt.getWebhook.get(id) as WebhookRow | undefined;
    if (!row) throw new AppError('webhook_not_found', `webhook ${id} does not exist`);
    return row;
  }

  async createWebhook(input: NewWebhook, idem?: IdempotencyWrite): Promise<WebhookRecord> {
    const record = this.store.write(() => {
      const id = newId('whk');
      const ts = now();
      this.stmt.insertWebhook.run(id, input.owner, input.url, JSON.stringify(input.events), input.session_id, input.description, input.secret, ts, ts);
      const created = this.toWebhook(this.webhookRow(id));
      this.store.saveIdempotent(idem, { webhook: webhookView(created), secret: created.secret });
      return created;
    });
    this.outbox.reload();
    return record;
  }

  async getWebhook(id: string): Promise<WebhookRecord | undefined> {
    const row = this.stmt.getWebhook.get(id) as WebhookRow | undefined;
    return row && this.toWebhook(row);
  }

  async listWebhooks(owner: string): Promise<Webhook[]> {
    return (this.stmt.listWebhooks.all(owner) as WebhookRow[]).map((row) => webhookView(this.toWebhook(row)));
  }

  async deleteWebhook(id: string): Promise<boolean> {
    // Its deliveries and their attempts go with it (ON DELETE CASCADE).
    const deleted = this.stmt.deleteWebhook.run(id).changes > 0;
    this.outbox.reload();
    return deleted;
  }

  async enableWebhook(id: string): Promise<WebhookRecord> {
    this.webhookRow(id);
    this.stmt.enableWebhook.run(now(), id);
    this.outbox.reload();
    return this.toWebhook(this.webhookRow(id));
  }

  async vapidKeys(generate: () => VapidKeys): Promise<VapidKeys> {
    type Row = { public_key: string; private_key: string };
    let row = this.stmt.getVapid.get() as Row | undefined;
    if (!row) {
      const keys = generate();
      this.stmt.insertVapid.run(keys.publicKey, keys.privateKey, now());
      row = this.stmt.getVapid.get() as Row;
    }
    return { publicKey: row.public_key, privateKey: row.private_key };
  }

  async savePushSubscription(input: NewPushSubscription): Promise<PushSubscriptionRecord> {
    const { id } = this.stmt.upsertSubscription.get({
      id: newId('psh'), owner: input.owner, endpoint: input.endpoint, p256dh: input.p256dh, auth: input.auth,
      events: JSON.stringify(input.events), session_id: input.session_id, user_agent: input.user_agent, ts: now(),
    }) as { id: string };
    this.outbox.reload();
    return this.toSubscription(this.stmt.getSubscription.get(id) as SubscriptionRow);
  }

  async getPushSubscription(id: string): Promise<PushSubscriptionRecord | undefined> {
    const row = this.stmt.getSubscription.get(id) as SubscriptionRow | undefined;
    return row && this.toSubscription(row);
  }

  async listPushSubscriptions(owner: string): Promise<PushSubscriptionView[]> {
    return (this.stmt.listSubscriptions.all(owner) as SubscriptionRow[]).map((row) => subscriptionView(this.toSubscription(row)));
  }

  async deletePushSubscription(id: string): Promise<boolean> {
    const deleted = this.stmt.deleteSubscription.run(id).changes > 0;
    this.outbox.reload();
    return deleted;
  }

  onQueued(listener: () => void): () => void {
    return this.outbox.onQueued(listener);
  }

  async dueDeliveries(nowMs: number, limit: number, skip: ReadonlySet<string>) {
    return this.deliveries.due(nowMs, limit, skip);
  }

  async nextDueAt() {
    return this.deliveries.nextDueAt();
  }

  async deliveryJob(id: string) {
    return this.deliveries.job(id);
  }

  async recordAttempt(deliveryId: string, outcome: AttemptOutcome) {
    return this.deliveries.record(deliveryId, outcome);
  }

  async queueTest(target: { webhookId: string } | { subscriptionId: string }, payload: NotificationPayload) {
    return this.deliveries.queueTest(target, payload);
  }

  async listDeliveries(filter: DeliveryFilter) {
    return this.deliveries.list(filter);
  }

  async getDelivery(id: string) {
    return this.deliveries.detail(id);
  }

  async pruneDeliveries(olderThan: Date) {
    return this.deliveries.prune(olderThan.toISOString());
  }
}
