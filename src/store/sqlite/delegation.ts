/**
 * Agent-to-agent operations of the SQLite store: spawning child sessions, escalations from a
 * child to its parent, answers, and the child's completion announcement. Each is one
 * transaction with its events, so a crash can never leave half of one behind — in particular a
 * child run's end and the parent's `child.completed` commit together: exactly once.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { EscalationRequest, Message, Run, Session } from '../../protocol/schemas.js';
import type { IdempotencyWrite, SpawnInput, SpawnLimits } from '../store.js';
import { toSession } from './rows.js';
import type { SqliteStore, Tx } from './sqlite-store.js';

const ANSWERABLE = new Set(['approval_request', 'permission_request', 'question']);
const now = () => new Date().toISOString();

/** Written inside the transaction that ends a run: its parent session hears of it. */
export function announceToParent(store: SqliteStore, tx: Tx, run: Run): void {
  const child = store.sessionRow(run.session_id);
  if (!child.parent_session_id) return;
  tx.emit(child.parent_session_id, child.parent_run_id, [{
    type: 'child.completed',
    data: {
      child_session_id: child.id,
      child_run_id: run.id,
      parent_run_id: child.parent_run_id,
      state: run.state,
      final_text: run.final_text,
      error: run.error,
    },
  }]);
}

function queueTurn(store: SqliteStore, tx: Tx, session: Session | { id: string; provider: string }, text: string, requestId: string | null = null) {
  const runId = newId('run');
  const message = store.insertMessage(tx, { session_id: session.id, role: 'user', text, run_id: runId, request_id: requestId });
  const run = store.insertRun(tx, session.id, { provider: session.provider, prompt: text }, message.id, runId);
  return { message, run };
}

export function spawnChild(store: SqliteStore, input: SpawnInput, limits: SpawnLimits, idem?: IdempotencyWrite): { session: Session; run: Run } {
  return store.write((tx) => {
    const parent = store.sessionRow(input.parentSessionId);
    if (parent.depth + 1 > limits.maxDepth) {
      throw new AppError('limit_exceeded', `a child at depth ${parent.depth + 1} exceeds the maximum depth of ${limits.maxDepth}`, { limit: 'max_depth', max: limits.maxDepth });
    }
    const siblings = input.parentRunId
      ? (store.db.prepare('SELECT count(*) AS n FROM sessions WHERE parent_run_id = ?').get(input.parentRunId) as { n: number }).n
      : (store.db.prepare('SELECT count(*) AS n FROM sessions WHERE parent_session_id = ? AND parent_run_id IS NULL').get(parent.id) as { n: number }).n;
    if (siblings >= limits.maxChildren) {
      throw new AppError('limit_exceeded', `${input.parentRunId ? `run ${input.parentRunId}` : `session ${parent.id}`} already has ${siblings} children (maximum ${limits.maxChildren})`, { limit: 'max_children', max: limits.maxChildren });
    }
    const session = store.insertSession(tx, {
      ...(input.id ? { id: input.id } : {}),
      title: input.title, provider: input.provider, cwd: input.cwd, owner: input.owner,
      parent_session_id: parent.id, parent_run_id: input.parentRunId, worktree: input.worktree ?? null,
    });
    const { run } = queueTurn(store, tx, session, input.task);
    tx.emit(parent.id, input.parentRunId, [{ type: 'child.spawned', data: { session, run } }]);
    const result = { session: toSession(store.sessionRow(session.id)), run };
    store.saveIdempotent(idem, result);
    return result;
  });
}

export function replyParent(
  store: SqliteStore,
  input: { runId: string; kind: EscalationRequest['kind']; text: string },
  idem?: IdempotencyWrite,
): { request: EscalationRequest; message: Message } {
  return store.write((tx) => {
    const run = store.runRow(input.runId);
    const child = store.sessionRow(run.session_id);
    if (!child.parent_session_id) {
      throw new AppError('no_parent_session', `run ${run.id} is not in a child session; there is no parent to reply to`);
    }
    const id = newId('req');
    const message = store.insertMessage(tx, { session_id: child.parent_session_id, role: 'system', text: input.text, run_id: null, request_id: id });
    const request = store.db.prepare(`INSERT INTO requests (id, parent_session_id, child_session_id, child_run_id, kind, text, state,
      message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`).get(
      id, child.parent_session_id, child.id, run.id, input.kind, input.text,
      ANSWERABLE.has(input.kind) ? 'open' : 'noted', message.id, now()) as EscalationRequest;
    tx.emit(child.parent_session_id, child.parent_run_id, [{ type: 'child.request', data: { request } }]);
    const result = { request, message };
    store.saveIdempotent(idem, result);
    return result;
  });
}

/**
 * A user turn into a (child) session. It answers that session's open escalations — the one named
 * by `requestId`, or every open one — and each answer is announced in the parent session.
 */
export function sendToSession(
  store: SqliteStore,
  input: { sessionId: string; text: string; requestId?: string | undefined },
  idem?: IdempotencyWrite,
): { message: Message; run: Run; answered: EscalationRequest[] } {
  return store.write((tx) => {
    const result = queueAnswer(store, tx, input);
    store.saveIdempotent(idem, result);
    return result;
  });
}

/**
 * `POST /requests/{id}/respond`: the same turn as sendToSession naming one request, whose answer —
 * and so what a retry with its idempotency key replays — is that request, not the answered list.
 */
export function respondToRequest(
  store: SqliteStore,
  input: { sessionId: string; text: string; requestId: string },
  idem?: IdempotencyWrite,
): { request: EscalationRequest; message: Message; run: Run } {
  return store.write((tx) => {
    const { answered, message, run } = queueAnswer(store, tx, input);
    const result = { request: answered[0]!, message, run };
    store.saveIdempotent(idem, result);
    return result;
  });
}

/** The turn and the answers it writes, inside the caller's transaction. */
function queueAnswer(store: SqliteStore, tx: Tx, input: { sessionId: string; text: string; requestId?: string | undefined }) {
  const session = store.sessionRow(input.sessionId);
  let open: EscalationRequest[];
  if (input.requestId) {
    const request = getRequestRow(store, input.requestId);
    if (!request || request.child_session_id !== session.id) {
      throw new AppError('request_not_found', `request ${input.requestId} does not exist for session ${session.id}`);
    }
    if (request.state !== 'open') {
      throw new AppError('request_already_answered', `request ${request.id} is ${request.state}, not open`, { request_state: request.state });
    }
    open = [request];
  } else {
    open = store.db.prepare("SELECT * FROM requests WHERE child_session_id = ? AND state = 'open' ORDER BY id").all(session.id) as EscalationRequest[];
  }
  const { message, run } = queueTurn(store, tx, session, input.text, open.length === 1 ? open[0]!.id : null);
  const answered = open.map((request) => {
    const updated = store.db.prepare(`UPDATE requests SET state = 'answered', answer_text = ?, answer_message_id = ?,
      answer_run_id = ?, answered_at = ? WHERE id = ? RETURNING *`).get(input.text, message.id, run.id, now(), request.id) as EscalationRequest;
    tx.emit(updated.parent_session_id, session.parent_run_id, [{ type: 'request.answered', data: { request: updated } }]);
    return updated;
  });
  return { message, run, answered };
}

export function getRequestRow(store: SqliteStore, id: string): EscalationRequest | undefined {
  return store.db.prepare('SELECT * FROM requests WHERE id = ?').get(id) as EscalationRequest | undefined;
}

export function listRequests(store: SqliteStore, parentSessionId: string, state?: string): EscalationRequest[] {
  return (state
    ? store.db.prepare('SELECT * FROM requests WHERE parent_session_id = ? AND state = ? ORDER BY id').all(parentSessionId, state)
    : store.db.prepare('SELECT * FROM requests WHERE parent_session_id = ? ORDER BY id').all(parentSessionId)) as EscalationRequest[];
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function saveRunToken(store: SqliteStore, runId: string, tokenHash: string): void {
  store.db.prepare('INSERT INTO run_tokens (token_hash, run_id, created_at) VALUES (?, ?, ?)').run(tokenHash, runId, now());
}

export function runIdForToken(store: SqliteStore, tokenHash: string): string | undefined {
  return (store.db.prepare('SELECT run_id FROM run_tokens WHERE token_hash = ?').get(tokenHash) as { run_id: string } | undefined)?.run_id;
}
