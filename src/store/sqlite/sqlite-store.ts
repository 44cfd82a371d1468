import type Database from 'better-sqlite3';
import { AppError } from '../../domain/errors.js';
import { eventIdFromPosition, newId } from '../../domain/ids.js';
import { assertTransition, isTerminal, RUN_STATES, type RunState } from '../../domain/run-states.js';
import type { AgentEvent, EscalationRequest, Message, QueueCounts, Run, Session } from '../../protocol/schemas.js';
import type {
  EventsListener,
  IdempotencyWrite,
  NewEvent,
  NewMessage,
  NewRun,
  NewSession,
  Page,
  SpawnInput,
  SpawnLimits,
  RunPatch,
  RunWithPgid,
  Store,
  StoredResponse,
  TransitionOptions,
  UsageRecord,
  UsageScope,
} from '../store.js';
import { activeRunsInWorktree, markWorktreeRemoved, worktreeSessions } from './worktrees.js';
import { announceBudgetCrossings, setSessionBudget, usageBySession, usageColumns, usageTotals } from './spend.js';
import { rememberDataJson } from '../../protocol/event-json.js';
import { openDatabase } from './open.js';
import { backupDatabase } from './backup.js';
import {
  convertToIncrementalVacuum, needsVacuumConversion, prunedThrough, pruneEndedSessions, recordMaintenance, vacuumFreePages,
} from './retention.js';
import { SqliteSignIns } from './sign-ins.js';
import { SqliteNotifications } from './notifications.js';
import {
  announceToParent, getRequestRow, listRequests, replyParent, respondToRequest, runIdForToken, saveRunToken, sendToSession, spawnChild,
} from './delegation.js';
import { toEvent, toRun, toRunWithPgid, toSession, type EventRow, type RunRow, type SessionRow } from './rows.js';
import * as approvals from './approvals.js';
import * as browse from './browse.js';
import type { ApprovalFilter, ApprovalOutcome, NewApproval } from '../store.js';

const now = () => new Date().toISOString();

/** Inside a write transaction: append events to the log; they are published after commit. */
export interface Tx {
  emit(sessionId: string, runId: string | null, events: NewEvent[]): AgentEvent[];
}

export class SqliteStore implements Store {
  readonly path: string;
  /** @internal */
  readonly db: Database.Database;
  readonly signIns: SqliteSignIns;
  readonly notifications: SqliteNotifications;
  private readonly listeners = new Set<EventsListener>();
  /** Told how long each write transaction took, in milliseconds (metrics). */
  onWrite: ((elapsedMs: number) => void) | undefined;
  private readonly stmt;

  constructor(path: string) {
    this.path = path;
    this.db = openDatabase(path);
    this.signIns = new SqliteSignIns(this.db);
    this.notifications = new SqliteNotifications(this, this.db);
    const db = this.db;
    // Prepared once; each statement sits by the name of what it does.
    this.stmt = {
      bumpSeq: db.prepare('UPDATE sessions SET last_seq = last_seq + ?, updated_at = ? WHERE id = ? RETURNING last_seq'),
      insertEvent: db.prepare(
        'INSERT INTO events (session_id, seq, type, run_id, ts, data) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      getIdem: db.prepare('SELECT request_hash, status, response FROM idempotency_keys WHERE principal = ? AND route = ? AND key = ?'),
      putIdem: db.prepare(
        'INSERT INTO idempotency_keys (principal, route, key, request_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      pruneIdem: db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?'),
      insertSession: db.prepare(`INSERT INTO sessions (id, title, provider, cwd, owner, parent_session_id, parent_run_id,
        root_session_id, depth, approval_policy, approval_allow, created_at, updated_at, worktree_path, worktree_branch,
        worktree_base, worktree_repository, worktree_owner, max_cost_usd, max_tokens)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      getSession: db.prepare('SELECT * FROM sessions WHERE id = ?'),
      listSessions: db.prepare('SELECT * FROM sessions WHERE owner = ? AND id < ? ORDER BY id DESC LIMIT ?'),
      setThreadIds: db.prepare('UPDATE sessions SET thread_ids = ?, updated_at = ? WHERE id = ?'),
      insertMessage: db.prepare(
        'INSERT INTO messages (id, session_id, role, text, run_id, request_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *',
      ),
      listMessages: db.prepare('SELECT * FROM messages WHERE session_id = ? ORDER BY id'),
      insertRun: db.prepare(`INSERT INTO runs (id, session_id, state, provider, prompt, message_id, parent_run_id,
        created_at, updated_at) VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?) RETURNING *`),
      getRun: db.prepare('SELECT * FROM runs WHERE id = ?'),
      runsByState: db.prepare('SELECT * FROM runs WHERE state = ? ORDER BY id'),
      dispatchable: db.prepare(`SELECT r.* FROM runs r
        WHERE r.state = 'queued'
          AND r.id = (SELECT q.id FROM runs q WHERE q.session_id = r.session_id
                      AND q.state IN ('queued', 'interrupted') ORDER BY q.id LIMIT 1)
          AND NOT EXISTS (SELECT 1 FROM runs x WHERE x.session_id = r.session_id AND x.state = 'running')
        ORDER BY r.id LIMIT ?`),
      queuedBefore: db.prepare("SELECT count(*) AS n FROM runs WHERE state = 'queued' AND id < ?"),
      countRuns: db.prepare('SELECT state, count(*) AS n FROM runs GROUP BY state'),
      sessionEvents: db.prepare('SELECT * FROM events WHERE session_id = ? AND position > ? ORDER BY position LIMIT ?'),
      allEvents: db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
      // CROSS JOIN fixes the loop order: walk the log by position from the cursor and stop at the
      // limit. Left to itself the planner starts from the owner's sessions and sorts all their events.
      ownerEvents: db.prepare(`SELECT e.* FROM events e CROSS JOIN sessions s ON s.id = e.session_id
        WHERE e.position > ? AND s.owner = ? ORDER BY e.position LIMIT ?`),
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    if (this.db.open) this.db.close();
  }

  onEvents(listener: EventsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * One write transaction (BEGIN IMMEDIATE, so two writers never deadlock upgrading a read lock).
   * Events appended inside are published only after the commit succeeded, in log order.
   */
  /** @internal for sibling modules of this store */
  write<T>(fn: (tx: Tx) => T): T {
    const committed: AgentEvent[] = [];
    const tx: Tx = {
      emit: (sessionId, runId, events) => {
        const ts = now();
        const bumped = this.stmt.bumpSeq.get(events.length, ts, sessionId) as { last_seq: number } | undefined;
        if (!bumped) throw new AppError('session_not_found', `session ${sessionId} does not exist`);
        let seq = bumped.last_seq - events.length;
        // The event is built from what was written rather than read back (RETURNING + JSON.parse
        // per row cost a third of ingest time); its data is the caller's object, which
        // serializes to exactly the stored text.
        const out = events.map((e): AgentEvent => {
          seq += 1;
          const data = e.data ?? null;
          const json = JSON.stringify(data);
          const { lastInsertRowid } = this.stmt.insertEvent.run(sessionId, seq, e.type, runId, ts, json);
          const event: AgentEvent = { id: eventIdFromPosition(Number(lastInsertRowid)), session_id: sessionId, seq, type: e.type, ts, data };
          if (runId !== null) event.run_id = runId;
          rememberDataJson(event, json);
          return event;
        });
        committed.push(...out);
        return out;
      },
    };
    const started = this.onWrite ? performance.now() : 0;
    let queued = 0;
    const result = this.db.transaction(() => {
      const value = fn(tx);
      queued = this.queueNotifications(committed);
      return value;
    }).immediate();
    this.onWrite?.(performance.now() - started);
    if (queued > 0) this.notifications.outbox.announce();
    if (committed.length > 0) {
      for (const listener of this.listeners) {
        try {
          listener(committed);
        } catch {
          // A faulty subscriber must not undo or hide a committed write; it owns its own errors.
        }
      }
    }
    return result;
  }

  /**
   * @internal Inside write()'s transaction: notifications commit with the events that cause them.
   * With no endpoint or subscription configured, this is one boolean test per transaction (the
   * notifications benchmark measures it against a store that skips it).
   */
  queueNotifications(committed: AgentEvent[]): number {
    const outbox = this.notifications.outbox;
    return outbox.armed && committed.length > 0 ? outbox.enqueue(committed) : 0;
  }

  /** @internal for sibling modules of this store */
  saveIdempotent(idem: IdempotencyWrite | undefined, body: unknown): void {
    if (!idem) return;
    this.stmt.putIdem.run(idem.principal, idem.route, idem.key, idem.requestHash, idem.status, JSON.stringify(body), now());
  }

  async getIdempotent(principal: string, route: string, key: string): Promise<StoredResponse | undefined> {
    const row = this.stmt.getIdem.get(principal, route, key) as
      | { request_hash: string; status: number; response: string }
      | undefined;
    if (!row) return undefined;
    return { requestHash: row.request_hash, status: row.status, body: JSON.parse(row.response) };
  }

  async pruneIdempotency(olderThan: Date): Promise<number> {
    return this.stmt.pruneIdem.run(olderThan.toISOString()).changes;
  }

  /** @internal for sibling modules of this store */
  sessionRow(id: string): SessionRow {
    const row = this.stmt.getSession.get(id) as SessionRow | undefined;
    if (!row) throw new AppError('session_not_found', `session ${id} does not exist`);
    return row;
  }

  /** @internal Inserts a session (child of `parent_session_id` when set) and its session.created event. */
  insertSession(tx: Tx, input: NewSession): Session {
    const id = input.id ?? newId('ses');
    const ts = now();
    let root = id;
    let depth = 0;
    // A child takes its parent's approval policy and rules: spawning cannot loosen them.
    let policy = input.approval_policy ?? null;
    let allow = JSON.stringify(input.approval_allow ?? []);
    if (input.parent_session_id) {
      const parent = this.sessionRow(input.parent_session_id);
      root = parent.root_session_id;
      depth = parent.depth + 1;
      if (input.approval_policy === undefined) policy = parent.approval_policy;
      if (input.approval_allow === undefined) allow = parent.approval_allow;
    }
    const wt = input.worktree ?? null;
    this.stmt.insertSession.run(id, input.title, input.provider, input.cwd, input.owner,
      input.parent_session_id ?? null, input.parent_run_id ?? null, root, depth, policy, allow, ts, ts,
      wt?.path ?? null, wt?.branch ?? null, wt?.base_commit ?? null, wt?.repository ?? null, wt ? wt.owner_session_id || id : null,
      input.max_cost_usd ?? null, input.max_tokens ?? null);
    tx.emit(id, null, [{ type: 'session.created', data: { session: toSession(this.sessionRow(id)) } }]);
    return toSession(this.sessionRow(id));
  }

  async createSession(input: NewSession, idem?: IdempotencyWrite): Promise<Session> {
    return this.write((tx) => {
      const session = this.insertSession(tx, input);
      this.saveIdempotent(idem, { session });
      return session;
    });
  }

  async getSession(id: string): Promise<Session | undefined> {
    const row = this.stmt.getSession.get(id) as SessionRow | undefined;
    return row ? toSession(row) : undefined;
  }

  async listSessionScopes() {
    return this.db.prepare('SELECT id, owner, root_session_id FROM sessions').all() as { id: string; owner: string; root_session_id: string }[];
  }

  async listSessions(owner: string, opts: { limit: number; cursor?: string | undefined }): Promise<Page<Session>> {
    // Newest first; fetch one extra row to know whether another page exists.
    const rows = this.stmt.listSessions.all(owner, opts.cursor ?? '\uffff', opts.limit + 1) as SessionRow[];
    const items = rows.slice(0, opts.limit).map(toSession);
    return { items, next_cursor: rows.length > opts.limit ? items[items.length - 1]!.id : null };
  }

  async setThreadId(sessionId: string, provider: string, threadId: string): Promise<Session> {
    return this.write((tx) => {
      const row = this.sessionRow(sessionId);
      const threadIds = { ...(JSON.parse(row.thread_ids) as Record<string, string>), [provider]: threadId };
      this.stmt.setThreadIds.run(JSON.stringify(threadIds), now(), sessionId);
      tx.emit(sessionId, null, [{ type: 'session.thread', data: { provider, thread_id: threadId } }]);
      return toSession(this.sessionRow(sessionId));
    });
  }

  /** @internal for sibling modules of this store */
  insertRun(tx: Tx, sessionId: string, input: NewRun, messageId: string | null, id = newId('run')): Run {
    const ts = now();
    // A run in a child session belongs to the run that spawned the session unless told otherwise.
    const parentRunId = input.parent_run_id !== undefined ? input.parent_run_id : this.sessionRow(sessionId).parent_run_id;
    const row = this.stmt.insertRun.get(id, sessionId, input.provider, input.prompt, messageId,
      parentRunId, ts, ts) as RunRow;
    const run = toRun(row);
    tx.emit(sessionId, run.id, [{ type: 'run.queued', data: { run, from: null } }]);
    return run;
  }

  /** @internal for sibling modules of this store */
  insertMessage(tx: Tx, m: Omit<Message, 'id' | 'created_at'>): Message {
    const message = this.stmt.insertMessage.get(newId('msg'), m.session_id, m.role, m.text, m.run_id,
      m.request_id, now()) as Message;
    tx.emit(m.session_id, m.run_id, [{ type: 'message.created', data: { message } }]);
    return message;
  }

  async postMessage(input: NewMessage, idem?: IdempotencyWrite): Promise<{ message: Message; run: Run | null }> {
    return this.write((tx) => {
      this.sessionRow(input.session_id);
      // Ids first, so the message already names the run it starts when its event is written.
      const runId = input.run ? newId('run') : null;
      const message = this.insertMessage(tx, {
        session_id: input.session_id,
        role: input.role,
        text: input.text,
        run_id: runId,
        request_id: input.request_id ?? null,
      });
      const run = input.run ? this.insertRun(tx, input.session_id, input.run, message.id, runId!) : null;
      const result = { message, run };
      this.saveIdempotent(idem, result);
      return result;
    });
  }

  async listMessages(sessionId: string): Promise<Message[]> {
    return this.stmt.listMessages.all(sessionId) as Message[];
  }

  async createRun(sessionId: string, input: NewRun, idem?: IdempotencyWrite): Promise<Run> {
    return this.write((tx) => {
      this.sessionRow(sessionId);
      const run = this.insertRun(tx, sessionId, input, null);
      this.saveIdempotent(idem, { run });
      return run;
    });
  }

  /** @internal for sibling modules of this store */
  runRow(id: string): RunRow {
    const row = this.stmt.getRun.get(id) as RunRow | undefined;
    if (!row) throw new AppError('run_not_found', `run ${id} does not exist`);
    return row;
  }

  async getRun(id: string): Promise<RunWithPgid | undefined> {
    const row = this.stmt.getRun.get(id) as RunRow | undefined;
    return row ? toRunWithPgid(row) : undefined;
  }

  async listRunsByState(state: RunState): Promise<RunWithPgid[]> {
    return (this.stmt.runsByState.all(state) as RunRow[]).map(toRunWithPgid);
  }

  async listDispatchable(limit: number): Promise<Run[]> {
    return (this.stmt.dispatchable.all(limit) as RunRow[]).map(toRun);
  }

  async queuePosition(runId: string): Promise<number | null> {
    const run = this.runRow(runId);
    if (run.state !== 'queued') return null;
    return (this.stmt.queuedBefore.get(runId) as { n: number }).n + 1;
  }

  async countRuns(): Promise<QueueCounts> {
    const counts = Object.fromEntries(RUN_STATES.map((s) => [`${s}_count`, 0])) as unknown as QueueCounts;
    for (const row of this.stmt.countRuns.all() as { state: RunState; n: number }[]) {
      counts[`${row.state}_count`] = row.n;
    }
    return counts;
  }

  private applyPatch(runId: string, patched: Record<string, unknown>): RunRow {
    const { usage, ...fields } = patched;
    if (usage !== undefined) Object.assign(fields, usageColumns(usage as UsageRecord | null));
    const columns = Object.keys(fields);
    const sql = `UPDATE runs SET ${columns.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id RETURNING *`;
    const values: Record<string, unknown> = { id: runId };
    for (const [k, v] of Object.entries(fields)) values[k] = v;
    return this.db.prepare(sql).get(values) as RunRow;
  }

  async transitionRun(runId: string, to: RunState, opts: TransitionOptions = {}): Promise<Run> {
    return this.write((tx) => {
      const current = this.runRow(runId);
      const from = current.state as RunState;
      if (opts.expected && from !== opts.expected) {
        throw new AppError('state_mismatch', `run ${runId} is ${from}, not ${opts.expected}`, {
          run_id: runId,
          current_state: from,
          expected_state: opts.expected,
        });
      }
      assertTransition(runId, from, to);
      const ts = now();
      const fields: Record<string, unknown> = { ...opts.patch, state: to, updated_at: ts };
      if (to === 'running') {
        fields.started_at = ts;
        fields.attempt = current.attempt + 1;
      }
      if (to === 'queued') Object.assign(fields, { worker_id: null, pid: null, pgid: null });
      if (isTerminal(to)) fields.ended_at = ts;
      // A failed or cancelled run always says why, whoever ended it.
      if ((to === 'failed' || to === 'cancelled') && fields.error == null && opts.reason) fields.error = opts.reason;
      const run = toRun(this.applyPatch(runId, fields));
      // Before the run's end in the log: a client that stops following at the end still sees it.
      if (opts.budgets && opts.patch?.usage) announceBudgetCrossings(this, tx, run, opts.budgets);
      tx.emit(run.session_id, run.id, [{ type: `run.${to}`, data: { run, from, ...(opts.reason ? { reason: opts.reason } : {}) } }]);
      if (to === 'completed' && run.final_text) {
        this.insertMessage(tx, { session_id: run.session_id, role: 'assistant', text: run.final_text, run_id: run.id, request_id: null });
      }
      if (isTerminal(to)) announceToParent(this, tx, run);
      return run;
    });
  }

  async updateRun(runId: string, patch: RunPatch, event?: NewEvent): Promise<Run> {
    return this.write((tx) => {
      this.runRow(runId);
      const run = toRun(this.applyPatch(runId, { ...patch, updated_at: now() }));
      if (event) tx.emit(run.session_id, run.id, [event]);
      return run;
    });
  }

  async appendEvents(sessionId: string, runId: string | null, events: NewEvent[]): Promise<AgentEvent[]> {
    if (events.length === 0) return [];
    return this.write((tx) => tx.emit(sessionId, runId, events));
  }

  async listEvents(sessionId: string, afterPosition: number, limit: number): Promise<AgentEvent[]> {
    return (this.stmt.sessionEvents.all(sessionId, afterPosition, limit) as EventRow[]).map(toEvent);
  }

  async listEventsForOwner(owner: string | null, afterPosition: number, limit: number): Promise<AgentEvent[]> {
    const rows = owner === null
      ? this.stmt.allEvents.all(afterPosition, limit)
      : this.stmt.ownerEvents.all(afterPosition, owner, limit);
    return (rows as EventRow[]).map(toEvent);
  }

  async listEventsBefore(sessionId: string, beforePosition: number | null, limit: number) { return browse.listEventsBefore(this, sessionId, beforePosition, limit); }
  async latestRuns(sessionIds: string[]) { return browse.latestRuns(this, sessionIds); }
  async headEventId() { return browse.headEventId(this); }

  async spawnChild(input: SpawnInput, limits: SpawnLimits, idem?: IdempotencyWrite) {
    return spawnChild(this, input, limits, idem);
  }

  async replyParent(input: { runId: string; kind: EscalationRequest['kind']; text: string }, idem?: IdempotencyWrite) {
    return replyParent(this, input, idem);
  }

  async sendToSession(input: { sessionId: string; text: string; requestId?: string | undefined }, idem?: IdempotencyWrite) {
    return sendToSession(this, input, idem);
  }

  async respondToRequest(input: { sessionId: string; text: string; requestId: string }, idem?: IdempotencyWrite) {
    return respondToRequest(this, input, idem);
  }

  async getRequest(id: string) {
    return getRequestRow(this, id);
  }

  async pruneEnded(cutoff: Date) {
    const result = await pruneEndedSessions(this, cutoff);
    recordMaintenance(this, 'last_prune', JSON.stringify({ at: new Date().toISOString(), cutoff: cutoff.toISOString(), ...result }));
    return result;
  }

  async vacuumFreePages() {
    return vacuumFreePages(this);
  }

  async enableIncrementalVacuum() {
    if (!needsVacuumConversion(this)) return false;
    convertToIncrementalVacuum(this);
    return true;
  }

  async prunedThrough(scope: { sessionId: string } | { owner: string }) {
    return prunedThrough(this, scope);
  }

  async backup(destination: string) {
    return backupDatabase(this.db, destination);
  }

  async countOpenRequests(): Promise<Record<string, number>> {
    const rows = this.db.prepare("SELECT kind, count(*) AS n FROM requests WHERE state = 'open' GROUP BY kind").all() as { kind: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
  }

  async listRequests(parentSessionId: string, state?: string) {
    return listRequests(this, parentSessionId, state);
  }

  async isDescendant(sessionId: string, ancestorId: string): Promise<boolean> {
    let current = this.stmt.getSession.get(sessionId) as SessionRow | undefined;
    while (current?.parent_session_id) {
      if (current.parent_session_id === ancestorId) return true;
      current = this.stmt.getSession.get(current.parent_session_id) as SessionRow | undefined;
    }
    return false;
  }

  async saveRunToken(runId: string, tokenHash: string) {
    saveRunToken(this, runId, tokenHash);
  }

  // Workspaces and spend: see worktrees.ts and spend.ts.
  async worktreeSessions(path: string) { return worktreeSessions(this, path); }
  async markWorktreeRemoved(path: string, how: { forced: boolean; already_gone: boolean }) { return markWorktreeRemoved(this, path, how); }
  async activeRunsInWorktree(path: string) { return activeRunsInWorktree(this, path); }
  async setSessionBudget(sessionId: string, budget: { max_cost_usd: number | null; max_tokens: number | null }) { return setSessionBudget(this, sessionId, budget); }
  async usageTotals(scope: UsageScope) { return usageTotals(this, scope); }
  async usageBySession(scope: UsageScope, limit: number) { return usageBySession(this, scope, limit); }

  async runIdForToken(tokenHash: string) {
    return runIdForToken(this, tokenHash);
  }

  // Approvals: the SQL and its transactions are in approvals.ts.
  async recordApproval(input: NewApproval, outcome?: ApprovalOutcome) { return approvals.recordApproval(this, input, outcome); }
  async settleApproval(id: string, outcome: ApprovalOutcome, idem?: IdempotencyWrite) { return approvals.settleApproval(this, id, outcome, idem); }
  async settleOpenApprovals(runId: string | null, outcome: ApprovalOutcome) { return approvals.settleOpenApprovals(this, runId, outcome); }
  async getApproval(id: string) { return approvals.getApproval(this, id); }
  async listApprovals(filter: ApprovalFilter) { return approvals.listApprovals(this, filter); }
  async listGrants(sessionId: string) { return approvals.listGrants(this, sessionId); }
  async countOpenApprovals() { return approvals.countOpenApprovals(this); }
  async listEscalationsForOwner(owner: string, filter: { state?: string | undefined; afterId?: string | undefined; limit: number }) {
    return approvals.listEscalationsForOwner(this, owner, filter);
  }
}
