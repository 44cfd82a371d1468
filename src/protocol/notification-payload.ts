/**
 * Which committed events are worth a notification, and what it says. Pure: the store calls it
 * inside the transaction that commits the event, with the session it happened in.
 *
 * - `request.created` (an approval nobody answered at once) → `approval.requested`, in the asking session;
 * - `child.request` carrying an open text escalation (reply-parent) → `approval.requested`, from the
 *   child session (a child's *approval* also comes as `child.request`, but its `request.created`
 *   already covers it: a session filter on the parent covers the child);
 * - `run.completed`, `run.failed`, `run.interrupted` → the same type;
 * - a run ending (`completed`, `failed`, `cancelled`) → `session.idle` when no run of its session is
 *   left queued, running or interrupted (the store checks that).
 */
import type { NotificationType } from '../domain/notifications.js';
import type { ApprovalRequest, AnyRequest } from './approvals.js';
import type { NotificationAction, NotificationData, NotificationPayload } from './notifications.js';
import type { AgentEvent, EscalationRequest, Run, Session } from './schemas.js';

/** Event types that can cause a notification; every other event is passed over with one lookup. */
export const NOTIFYING_EVENTS: ReadonlySet<string> = new Set([
  'request.created', 'child.request', 'run.completed', 'run.failed', 'run.cancelled', 'run.interrupted',
]);

export const TEXT_LIMIT = 500;

/** A notification an event may cause, before its session is known. */
export interface NotificationCause {
  type: NotificationType;
  /** The session it is about: the asking session for a request, the run's otherwise. */
  sessionId: string;
  /** The run, when the event carries it; else the store reads `runId`'s. */
  run: Run | null;
  runId: string | null;
  request: AnyRequest | null;
  reason: string | null;
  /** `session.idle`: only if the session has no run left queued, running or interrupted. */
  ifIdle: boolean;
}

const isEscalationAsking = (r: AnyRequest): r is EscalationRequest => r.kind !== 'approval' && r.state === 'open';

/** The notifications `event` may cause (none for most events). */
export function causesOf(event: AgentEvent): NotificationCause[] {
  const data = event.data as { run?: Run; reason?: string; request?: AnyRequest };
  const base = { run: null, runId: event.run_id ?? null, request: null, reason: null, ifIdle: false };
  switch (event.type) {
    case 'request.created':
      return [{ ...base, type: 'approval.requested', sessionId: event.session_id, request: data.request! }];
    case 'child.request':
      return isEscalationAsking(data.request!)
        ? [{ ...base, type: 'approval.requested', sessionId: data.request.child_session_id, runId: data.request.child_run_id, request: data.request }]
        : [];
    case 'run.interrupted':
      return [{ ...base, type: 'run.interrupted', sessionId: event.session_id, run: data.run!, reason: data.reason ?? null }];
    case 'run.completed':
    case 'run.failed':
    case 'run.cancelled': {
      const run = data.run!;
      const idle: NotificationCause = { ...base, type: 'session.idle', sessionId: event.session_id, run, reason: data.reason ?? null, ifIdle: true };
      if (event.type === 'run.cancelled') return [idle];
      return [{ ...base, type: event.type, sessionId: event.session_id, run, reason: data.reason ?? null }, idle];
    }
    default:
      return [];
  }
}

export function clip(text: string, limit = TEXT_LIMIT): string {
  const flat = text.trim();
  return flat.length <= limit ? flat : `${flat.slice(0, limit - 1)}…`;
}

function textOf(cause: NotificationCause): string {
  const run = cause.run;
  switch (cause.type) {
    case 'approval.requested':
      return cause.request!.text;
    case 'run.completed':
      return run?.final_text || 'the run completed';
    case 'run.failed':
      return run?.error || cause.reason || 'the run failed';
    case 'run.interrupted':
      return cause.reason || 'the run was interrupted';
    case 'session.idle': {
      const last = run?.state === 'completed' ? run.final_text : run?.error || cause.reason;
      return `every run has ended; the last ${run?.state ?? 'ended'}${last ? `: ${last}` : ''}`;
    }
  }
}

function actionsOf(cause: NotificationCause, session: Session): NotificationAction[] {
  const open: NotificationAction = { action: 'open', title: 'Open', method: 'GET', path: `/sessions/${session.id}` };
  const request = cause.request;
  if (!request) return [open];
  if (request.kind === 'approval') {
    const answers: NotificationAction[] = [
      { action: 'approve', title: 'Approve', method: 'POST', path: `/requests/${request.id}/approve` },
      { action: 'deny', title: 'Deny', method: 'POST', path: `/requests/${request.id}/deny` },
    ];
    return [...answers, open];
  }
  return [{ action: 'respond', title: 'Reply', method: 'POST', path: `/requests/${request.id}/respond` }, open];
}

/** The payload a receiver gets for `cause`, in `session`, caused by the event `eventId` at `ts`. */
export function notificationPayload(cause: NotificationCause, session: Session, eventId: string, ts: string): NotificationPayload {
  const run = cause.run;
  const request = cause.request;
  const approval = request?.kind === 'approval' ? (request as ApprovalRequest) : null;
  const data: NotificationData = {
    session: { id: session.id, title: session.title, parent_session_id: session.parent_session_id, root_session_id: session.root_session_id },
    run: run && {
      id: run.id, state: run.state, provider: run.provider, attempt: run.attempt, exit_code: run.exit_code,
      created_at: run.created_at, started_at: run.started_at, ended_at: run.ended_at,
    },
    request: request && {
      id: request.id,
      kind: request.kind,
      text: clip(request.text),
      action: approval?.action ?? null,
      command: approval?.command ? clip(approval.command) : null,
      cwd: approval?.cwd ?? null,
      tool: approval?.tool ?? null,
      decisions: approval ? [...approval.decisions] : [],
    },
    text: clip(textOf(cause)),
    event_id: eventId,
    actions: actionsOf(cause, session),
  };
  return { type: cause.type, timestamp: ts, data };
}
