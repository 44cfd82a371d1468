/**
 * The outbox's write side: inside the transaction that commits events, turn the ones worth a
 * notification into a notification row and one delivery per endpoint or subscription that wants
 * it. The caller (SqliteStore.write) commits them together, so a notification exists exactly when
 * its event does.
 *
 * Cost: with no endpoint and no subscription (`armed` false) the write path pays one boolean test
 * per transaction. With some, it pays one set lookup per event, and reads only for the few event
 * types that notify — and only when some target wants that type. The targets are kept in memory
 * and reloaded after every change to them, which all go through this store (one daemon holds the
 * database: see db-lock.ts).
 */
import type Database from 'better-sqlite3';
import { newId } from '../../domain/ids.js';
import type { NotificationType } from '../../domain/notifications.js';
import { causesOf, notificationPayload, NOTIFYING_EVENTS } from '../../protocol/notification-payload.js';
import type { AgentEvent, Session } from '../../protocol/schemas.js';
import { toRun, toSession, type SessionRow } from './rows.js';
import type { SqliteStore } from './sqlite-store.js';

interface Target {
  id: string;
  kind: 'webhook' | 'push';
  owner: string;
  events: ReadonlySet<string>;
  sessionId: string | null;
}

export class SqliteOutbox {
  /** Whether any target exists; when false, committing events costs nothing more. */
  armed = false;
  private targets: Target[] = [];
  private wanted: ReadonlySet<string> = new Set();
  private readonly listeners = new Set<() => void>();
  private readonly stmt;

  constructor(private readonly store: SqliteStore, db: Database.Database) {
    this.stmt = {
      webhooks: db.prepare("SELECT id, owner, events, session_id FROM webhook_endpoints WHERE state = 'enabled'"),
      subscriptions: db.prepare('SELECT id, owner, events, session_id FROM push_subscriptions'),
      getSession: db.prepare('SELECT * FROM sessions WHERE id = ?'),
      busy: db.prepare("SELECT 1 FROM runs WHERE session_id = ? AND state IN ('queued', 'running', 'interrupted') LIMIT 1"),
      insertNotification: db.prepare('INSERT INTO notifications (id, type, session_id, event_id, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      insertDelivery: db.prepare(`INSERT INTO deliveries (id, notification_id, endpoint_id, subscription_id, state, next_attempt_at, created_at)
        VALUES (?, ?, ?, ?, 'pending', ?, ?)`),
    };
    this.reload();
  }

  /** Re-reads the targets; called after any change to endpoints or subscriptions. */
  reload(): void {
    type Row = { id: string; owner: string; events: string; session_id: string | null };
    const load = (kind: Target['kind'], rows: Row[]) =>
      rows.map((r): Target => ({ id: r.id, kind, owner: r.owner, events: new Set(JSON.parse(r.events) as string[]), sessionId: r.session_id }));
    this.targets = [...load('webhook', this.stmt.webhooks.all() as Row[]), ...load('push', this.stmt.subscriptions.all() as Row[])];
    this.wanted = new Set(this.targets.flatMap((t) => [...t.events]));
    this.armed = this.targets.length > 0;
  }

  onQueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** After the commit: wake whoever delivers. */
  announce(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // The deliveries are committed; a listener's failure must not surface in the writer.
      }
    }
  }

  /**
   * Inside the transaction, after its events were appended: queues what they cause. Returns how
   * many deliveries it queued.
   */
  enqueue(events: readonly AgentEvent[]): number {
    let queued = 0;
    let sessions: Map<string, Session> | undefined;
    for (const event of events) {
      if (!NOTIFYING_EVENTS.has(event.type)) continue;
      for (const cause of causesOf(event)) {
        if (!this.wanted.has(cause.type)) continue;
        sessions ??= new Map();
        const session = this.session(sessions, cause.sessionId);
        if (!session) continue;
        const targets = this.targetsFor(cause.type, session, sessions);
        if (targets.length === 0) continue;
        if (cause.ifIdle && this.stmt.busy.get(session.id)) continue;
        const run = cause.run ?? (cause.runId ? toRun(this.store.runRow(cause.runId)) : null);
        const payload = notificationPayload({ ...cause, run }, session, event.id, event.ts);
        const id = newId('ntf');
        this.stmt.insertNotification.run(id, cause.type, session.id, event.id, JSON.stringify(payload), event.ts);
        // Due at once; the worker's clock decides from there.
        const due = Date.now();
        for (const target of targets) {
          this.stmt.insertDelivery.run(newId('dlv'), id, target.kind === 'webhook' ? target.id : null, target.kind === 'push' ? target.id : null, due, event.ts);
          queued += 1;
        }
      }
    }
    return queued;
  }

  private session(cache: Map<string, Session>, id: string): Session | undefined {
    let session = cache.get(id);
    if (!session) {
      const row = this.stmt.getSession.get(id) as SessionRow | undefined;
      if (!row) return undefined;
      session = toSession(row);
      cache.set(id, session);
    }
    return session;
  }

  /** The session and its ancestors: a target filtered on any of them covers it. */
  private lineage(session: Session, cache: Map<string, Session>): Set<string> {
    const ids = new Set([session.id]);
    let current: Session | undefined = session;
    while (current?.parent_session_id && !ids.has(current.parent_session_id)) {
      ids.add(current.parent_session_id);
      current = this.session(cache, current.parent_session_id);
    }
    return ids;
  }

  private targetsFor(type: NotificationType, session: Session, cache: Map<string, Session>): Target[] {
    let lineage: Set<string> | undefined;
    return this.targets.filter((t) => {
      if (t.owner !== session.owner || !t.events.has(type)) return false;
      if (t.sessionId === null) return true;
      lineage ??= this.lineage(session, cache);
      return lineage.has(t.sessionId);
    });
  }
}
