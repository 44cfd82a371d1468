/**
 * Approvals in the SQLite store. Each operation is one transaction with the events announcing it:
 * an ask and its `request.created` (and the parent session's `child.request`) commit together, an
 * answer, its grants and its `request.answered` too — so a crash can neither lose an ask nor carry
 * out half an answer.
 */
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { Grant } from '../../domain/approval-policy.js';
import type { ApprovalRequest } from '../../protocol/approvals.js';
import type { EscalationRequest } from '../../protocol/schemas.js';
import type { ApprovalFilter, ApprovalOutcome, IdempotencyWrite, NewApproval } from '../store.js';
import type { SqliteStore, Tx } from './sqlite-store.js';
import type { Statement } from 'better-sqlite3';

const now = () => new Date().toISOString();

/** Statements prepared once per database, by their SQL (the dynamic list query has few shapes). */
const prepared = new WeakMap<object, Map<string, Statement>>();
function sql(store: SqliteStore, text: string): Statement {
  let cache = prepared.get(store.db);
  if (!cache) prepared.set(store.db, (cache = new Map()));
  let statement = cache.get(text);
  if (!statement) cache.set(text, (statement = store.db.prepare(text)));
  return statement;
}

interface ApprovalRow {
  id: string;
  session_id: string;
  run_id: string;
  attempt: number;
  ask_key: string;
  parent_session_id: string | null;
  action: ApprovalRequest['action'];
  command: string | null;
  cwd: string | null;
  tool: string | null;
  input: string | null;
  changes: string | null;
  reason: string | null;
  decisions: string;
  text: string;
  state: ApprovalRequest['state'];
  decision: ApprovalRequest['decision'];
  message: string | null;
  answered_by: string | null;
  created_at: string;
  answered_at: string | null;
}

const json = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

function toApproval(row: ApprovalRow): ApprovalRequest {
  return {
    id: row.id,
    kind: 'approval',
    state: row.state,
    session_id: row.session_id,
    run_id: row.run_id,
    parent_session_id: row.parent_session_id,
    action: row.action,
    command: row.command,
    cwd: row.cwd,
    tool: row.tool,
    input: json(row.input),
    changes: json(row.changes),
    reason: row.reason,
    decisions: JSON.parse(row.decisions) as ApprovalRequest['decisions'],
    text: row.text,
    decision: row.decision,
    message: row.message,
    answered_by: json(row.answered_by),
    created_at: row.created_at,
    answered_at: row.answered_at,
  };
}

function row(store: SqliteStore, id: string): ApprovalRow | undefined {
  return sql(store, 'SELECT * FROM approvals WHERE id = ?').get(id) as ApprovalRow | undefined;
}

export function recordApproval(store: SqliteStore, input: NewApproval, outcome?: ApprovalOutcome): { request: ApprovalRequest; created: boolean } {
  return store.write((tx) => {
    const existing = sql(store, 'SELECT * FROM approvals WHERE run_id = ? AND attempt = ? AND ask_key = ?')
      .get(input.runId, input.attempt, input.key) as ApprovalRow | undefined;
    if (existing) return { request: toApproval(existing), created: false };
    const run = store.runRow(input.runId);
    const session = store.sessionRow(run.session_id);
    const id = newId('req');
    const ts = now();
    sql(store, `INSERT INTO approvals (id, session_id, run_id, attempt, ask_key, parent_session_id, action, command, cwd,
      tool, input, changes, reason, decisions, text, state, decision, message, answered_by, created_at, answered_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      id, session.id, run.id, input.attempt, input.key, session.parent_session_id, input.action, input.command, input.cwd,
      input.tool, input.input === undefined || input.input === null ? null : JSON.stringify(input.input),
      input.changes === null ? null : JSON.stringify(input.changes), input.reason, JSON.stringify(input.decisions), input.text,
      outcome?.state ?? 'open', outcome?.decision ?? null, outcome?.message ?? null,
      outcome ? JSON.stringify(outcome.answered_by) : null, ts, outcome ? ts : null,
    );
    const request = toApproval(row(store, id)!);
    if (outcome) {
      // Settled by a rule, a grant or the policy: nobody is asked, so only the asking session hears.
      tx.emit(session.id, run.id, [{ type: 'request.answered', data: { request } }]);
    } else {
      tx.emit(session.id, run.id, [{ type: 'request.created', data: { request } }]);
      if (session.parent_session_id) tx.emit(session.parent_session_id, session.parent_run_id, [{ type: 'child.request', data: { request } }]);
    }
    return { request, created: true };
  });
}

/** Inside a transaction: settle one open approval, store its grants, announce it. */
function settle(store: SqliteStore, tx: Tx, current: ApprovalRow, outcome: ApprovalOutcome): ApprovalRequest {
  const ts = now();
  sql(store, 'UPDATE approvals SET state = ?, decision = ?, message = ?, answered_by = ?, answered_at = ? WHERE id = ?')
    .run(outcome.state, outcome.decision, outcome.message, JSON.stringify(outcome.answered_by), ts, current.id);
  const grant = sql(store, 'INSERT OR IGNORE INTO approval_grants (session_id, kind, value, request_id, created_at) VALUES (?, ?, ?, ?, ?)');
  for (const g of outcome.grants ?? []) grant.run(current.session_id, g.kind, g.value, current.id, ts);
  const request = toApproval(row(store, current.id)!);
  tx.emit(current.session_id, current.run_id, [{ type: 'request.answered', data: { request } }]);
  if (current.parent_session_id) {
    const asking = store.sessionRow(current.session_id);
    tx.emit(current.parent_session_id, asking.parent_run_id, [{ type: 'request.answered', data: { request } }]);
  }
  return request;
}

export function settleApproval(store: SqliteStore, id: string, outcome: ApprovalOutcome, idem?: IdempotencyWrite): ApprovalRequest {
  return store.write((tx) => {
    const current = row(store, id);
    if (!current) throw new AppError('request_not_found', `request ${id} does not exist`);
    if (current.state !== 'open') {
      throw new AppError('request_already_answered', `request ${id} is ${current.state}${current.decision ? ` (${current.decision})` : ''}, not open`, {
        request_state: current.state,
        decision: current.decision,
      });
    }
    const request = settle(store, tx, current, outcome);
    store.saveIdempotent(idem, { request });
    return request;
  });
}

export function settleOpenApprovals(store: SqliteStore, runId: string | null, outcome: ApprovalOutcome): ApprovalRequest[] {
  return store.write((tx) => {
    const open = (runId === null
      ? sql(store, "SELECT * FROM approvals WHERE state = 'open' ORDER BY id").all()
      : sql(store, "SELECT * FROM approvals WHERE run_id = ? AND state = 'open' ORDER BY id").all(runId)) as ApprovalRow[];
    return open.map((current) => settle(store, tx, current, outcome));
  });
}

export function getApproval(store: SqliteStore, id: string): ApprovalRequest | undefined {
  const found = row(store, id);
  return found ? toApproval(found) : undefined;
}

export function listApprovals(store: SqliteStore, filter: ApprovalFilter): ApprovalRequest[] {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    where.push(clause);
    params.push(value);
  };
  if (filter.state !== undefined) add('a.state = ?', filter.state);
  if (filter.sessionId !== undefined) add('a.session_id = ?', filter.sessionId);
  if (filter.parentSessionId !== undefined) add('a.parent_session_id = ?', filter.parentSessionId);
  if (filter.runId !== undefined) add('a.run_id = ?', filter.runId);
  if (filter.owner !== undefined) add('s.owner = ?', filter.owner);
  if (filter.afterId !== undefined) add('a.id > ?', filter.afterId);
  const join = filter.owner !== undefined ? ' JOIN sessions s ON s.id = a.session_id' : '';
  const query = `SELECT a.* FROM approvals a${join}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY a.id${filter.limit ? ' LIMIT ?' : ''}`;
  if (filter.limit) params.push(filter.limit);
  return (sql(store, query).all(...params) as ApprovalRow[]).map(toApproval);
}

export function listGrants(store: SqliteStore, sessionId: string): Grant[] {
  return sql(store, 'SELECT kind, value FROM approval_grants WHERE session_id = ? ORDER BY created_at').all(sessionId) as Grant[];
}

export function countOpenApprovals(store: SqliteStore): number {
  return (sql(store, "SELECT count(*) AS n FROM approvals WHERE state = 'open'").get() as { n: number }).n;
}

export function listEscalationsForOwner(
  store: SqliteStore,
  owner: string,
  filter: { state?: string | undefined; afterId?: string | undefined; limit: number },
): EscalationRequest[] {
  return sql(store, `SELECT r.* FROM requests r JOIN sessions s ON s.id = r.parent_session_id
    WHERE s.owner = ? AND (? IS NULL OR r.state = ?) AND r.id > ? ORDER BY r.id LIMIT ?`)
    .all(owner, filter.state ?? null, filter.state ?? null, filter.afterId ?? '', filter.limit) as EscalationRequest[];
}
