/**
 * The outbox's read side in SQLite: which deliveries are due, and recording each attempt with its
 * consequence (delivered, retried later, given up — which may disable the endpoint —, or the
 * subscription gone) in one transaction.
 */
import type Database from 'better-sqlite3';
import { newId } from '../../domain/ids.js';
import type { Delivery, DeliveryAttempt, NotificationPayload } from '../../protocol/notifications.js';
import type { AttemptOutcome, DeliveryDetail, DeliveryFilter, DeliveryJob } from '../notifications.js';

interface DeliveryRow {
  id: string;
  notification_id: string;
  endpoint_id: string | null;
  subscription_id: string | null;
  type: Delivery['type'];
  state: Delivery['state'];
  attempts: number;
  next_attempt_at: number | null;
  first_attempt_at: string | null;
  last_attempt_at: string | null;
  last_status: number | null;
  last_latency_ms: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

interface JobRow extends DeliveryRow {
  payload: string;
  url: string | null;
  secret: string | null;
  endpoint: string | null;
  p256dh: string | null;
  auth: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    notification_id: row.notification_id,
    webhook_id: row.endpoint_id,
    subscription_id: row.subscription_id,
    type: row.type,
    state: row.state,
    attempts: row.attempts,
    next_attempt_at: row.state === 'pending' && row.next_attempt_at !== null ? iso(row.next_attempt_at) : null,
    last_attempt_at: row.last_attempt_at,
    last_status: row.last_status,
    last_latency_ms: row.last_latency_ms,
    last_error: row.last_error,
    created_at: row.created_at,
    delivered_at: row.delivered_at,
  };
}

function toJob(row: JobRow): DeliveryJob {
  const target: DeliveryJob['target'] = row.endpoint_id
    ? { kind: 'webhook', id: row.endpoint_id, url: row.url!, secret: row.secret! }
    : { kind: 'push', id: row.subscription_id!, endpoint: row.endpoint!, p256dh: row.p256dh!, auth: row.auth! };
  return { delivery: toDelivery(row), payload: row.payload, target };
}

const SELECT_DELIVERY = 'SELECT d.*, n.type FROM deliveries d JOIN notifications n ON n.id = d.notification_id';
const SELECT_JOB = `SELECT d.*, n.type, n.payload, e.url, e.secret, s.endpoint, s.p256dh, s.auth FROM deliveries d
  JOIN notifications n ON n.id = d.notification_id
  LEFT JOIN webhook_endpoints e ON e.id = d.endpoint_id
  LEFT JOIN push_subscriptions s ON s.id = d.subscription_id`;

export class SqliteDeliveries {
  private readonly stmt;
  readonly record: (id: string, outcome: AttemptOutcome) => { delivery: Delivery | null; disabled: boolean };
  readonly queueTest: (target: { webhookId: string } | { subscriptionId: string }, payload: NotificationPayload) => string;
  readonly prune: (olderThan: string) => number;

  constructor(private readonly db: Database.Database, onTargetsChanged: () => void) {
    this.stmt = {
      due: db.prepare(`${SELECT_JOB} WHERE d.state = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?`),
      nextDue: db.prepare("SELECT min(next_attempt_at) AS at FROM deliveries WHERE state = 'pending'"),
      job: db.prepare(`${SELECT_JOB} WHERE d.id = ?`),
      get: db.prepare(`${SELECT_DELIVERY} WHERE d.id = ?`),
      attempts: db.prepare('SELECT attempt, at, status, latency_ms, error, trigger FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt'),
      payload: db.prepare('SELECT payload FROM notifications WHERE id = ?'),
      insertAttempt: db.prepare('INSERT INTO delivery_attempts (delivery_id, attempt, at, status, latency_ms, error, trigger) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      update: db.prepare(`UPDATE deliveries SET attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, @at),
        last_attempt_at = @at, last_status = @status, last_latency_ms = @latency, last_error = @error,
        state = @state, next_attempt_at = @next, delivered_at = coalesce(delivered_at, @delivered) WHERE id = @id`),
      succeeded: db.prepare('UPDATE webhook_endpoints SET last_success_at = ? WHERE id = ?'),
      disable: db.prepare(`UPDATE webhook_endpoints SET state = 'disabled', disabled_reason = ?, disabled_at = ?, updated_at = ?
        WHERE id = ? AND state = 'enabled' AND (last_success_at IS NULL OR last_success_at < ?)`),
      failPending: db.prepare(`UPDATE deliveries SET state = 'failed', next_attempt_at = NULL, last_error = ?
        WHERE endpoint_id = ? AND state = 'pending' AND next_attempt_at IS NOT NULL`),
      deleteSubscription: db.prepare('DELETE FROM push_subscriptions WHERE id = ?'),
      insertNotification: db.prepare('INSERT INTO notifications (id, type, session_id, event_id, payload, created_at) VALUES (?, ?, NULL, NULL, ?, ?)'),
      insertTest: db.prepare(`INSERT INTO deliveries (id, notification_id, endpoint_id, subscription_id, state, next_attempt_at, created_at)
        VALUES (?, ?, ?, ?, 'pending', NULL, ?)`),
      pruneDeliveries: db.prepare("DELETE FROM deliveries WHERE state != 'pending' AND created_at < ?"),
      pruneNotifications: db.prepare('DELETE FROM notifications WHERE created_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.notification_id = notifications.id)'),
    };

    this.record = db.transaction((id: string, o: AttemptOutcome) => {
      const current = this.stmt.get.get(id) as DeliveryRow | undefined;
      // Its endpoint or subscription was removed while the attempt was in flight.
      if (!current) return { delivery: null, disabled: false };
      const at = iso(o.at);
      this.stmt.insertAttempt.run(id, current.attempts + 1, at, o.status, o.latencyMs, o.error, o.trigger);
      const next = o.next;
      const state = next.state === 'unchanged' || next.state === 'gone' ? current.state : next.state;
      const nextAt = next.state === 'pending' ? next.at : next.state === 'unchanged' ? current.next_attempt_at : null;
      this.stmt.update.run({
        id, at, status: o.status, latency: o.latencyMs, error: o.error, state, next: nextAt,
        delivered: next.state === 'delivered' ? at : null,
      });
      let disabled = false;
      if (next.state === 'delivered' && current.endpoint_id) this.stmt.succeeded.run(at, current.endpoint_id);
      if (next.state === 'failed' && next.disableWebhook && current.endpoint_id) {
        // Only if nothing reached the endpoint since this delivery's first attempt: it failed throughout.
        disabled = this.stmt.disable.run(next.disableWebhook.reason, at, at, current.endpoint_id, current.first_attempt_at ?? at).changes > 0;
        if (disabled) this.stmt.failPending.run('not attempted: the endpoint was disabled', current.endpoint_id);
      }
      if (next.state === 'gone' && current.subscription_id) {
        this.stmt.deleteSubscription.run(current.subscription_id);
        onTargetsChanged();
        return { delivery: null, disabled: false };
      }
      if (disabled) onTargetsChanged();
      return { delivery: toDelivery(this.stmt.get.get(id) as DeliveryRow), disabled };
    });

    this.queueTest = db.transaction((target: { webhookId: string } | { subscriptionId: string }, payload: NotificationPayload) => {
      const notificationId = newId('ntf');
      const ts = new Date().toISOString();
      this.stmt.insertNotification.run(notificationId, payload.type, JSON.stringify(payload), ts);
      const id = newId('dlv');
      this.stmt.insertTest.run(id, notificationId, 'webhookId' in target ? target.webhookId : null, 'subscriptionId' in target ? target.subscriptionId : null, ts);
      return id;
    });

    this.prune = db.transaction((olderThan: string) => {
      const n = this.stmt.pruneDeliveries.run(olderThan).changes;
      this.stmt.pruneNotifications.run(olderThan);
      return n;
    });
  }

  due(nowMs: number, limit: number, skip: ReadonlySet<string>): DeliveryJob[] {
    // Read past the ones in flight, so that they cannot starve the rest.
    const rows = this.stmt.due.all(nowMs, limit + skip.size) as JobRow[];
    return rows.filter((r) => !skip.has(r.id)).slice(0, limit).map(toJob);
  }

  nextDueAt(): number | null {
    return (this.stmt.nextDue.get() as { at: number | null }).at;
  }

  job(id: string): DeliveryJob | undefined {
    const row = this.stmt.job.get(id) as JobRow | undefined;
    return row ? toJob(row) : undefined;
  }

  list(filter: DeliveryFilter): Delivery[] {
    const where = [filter.webhookId !== undefined ? 'd.endpoint_id = ?' : 'd.subscription_id = ?'];
    const params: unknown[] = [filter.webhookId ?? filter.subscriptionId];
    if (filter.state !== undefined) {
      where.push('d.state = ?');
      params.push(filter.state);
    }
    if (filter.beforeId !== undefined) {
      where.push('d.id < ?');
      params.push(filter.beforeId);
    }
    params.push(filter.limit);
    const rows = this.db.prepare(`${SELECT_DELIVERY} WHERE ${where.join(' AND ')} ORDER BY d.id DESC LIMIT ?`).all(...params) as DeliveryRow[];
    return rows.map(toDelivery);
  }

  detail(id: string): DeliveryDetail | undefined {
    const row = this.stmt.get.get(id) as DeliveryRow | undefined;
    if (!row) return undefined;
    const { payload } = this.stmt.payload.get(row.notification_id) as { payload: string };
    return {
      delivery: toDelivery(row),
      attempts: this.stmt.attempts.all(id) as DeliveryAttempt[],
      payload: JSON.parse(payload) as NotificationPayload,
    };
  }
}
