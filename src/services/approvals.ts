import { AppError } from '../domain/errors.js';
import { grantsFor, type ApprovalDecisionKind } from '../domain/approval-policy.js';
import type { Principal } from '../domain/principal.js';
import { answeredBy, type AnyRequest, type ApprovalRequest } from '../protocol/approvals.js';
import type { EscalationRequest } from '../protocol/schemas.js';
import type { IdempotencyWrite, Store } from '../store/store.js';
import type { DelegationService } from './delegation.js';
import type { SessionService } from './sessions.js';

export interface AnswerInput {
  decision: 'approve' | 'deny';
  for_session?: boolean | undefined;
  message?: string | undefined;
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Approval rules: who may see and answer which approval, and the inbox of everything a caller may
 * answer. Routing: a root session's approvals are its owner's to answer; a child session's go to
 * its parent session, where the parent agent answers with its run token — which, as for every
 * answer, reaches only sessions strictly below its own, so the asking run never answers itself —
 * and where a person may answer too.
 */
export class ApprovalService {
  constructor(
    private readonly store: Store,
    private readonly sessions: SessionService,
    private readonly delegation: DelegationService,
  ) {}

  private get access() {
    return this.sessions.access;
  }

  /** The approval if the principal may see its session; otherwise it does not exist for them. */
  private async visible(principal: Principal, id: string): Promise<ApprovalRequest | undefined> {
    const approval = await this.store.getApproval(id);
    if (!approval) return undefined;
    const session = await this.store.getSession(approval.session_id);
    return session && this.access.canSee(principal, session) ? approval : undefined;
  }

  /** Whether a run token may answer: only what lies below its own session. Operators may answer all they see. */
  private async mayAnswer(principal: Principal, sessionId: string): Promise<boolean> {
    return !principal.run || this.store.isDescendant(sessionId, principal.run.sessionId);
  }

  async get(principal: Principal, id: string): Promise<AnyRequest> {
    return (await this.visible(principal, id)) ?? this.delegation.getRequest(principal, id);
  }

  async answer(principal: Principal, id: string, input: AnswerInput, idem?: IdempotencyWrite): Promise<{ request: ApprovalRequest }> {
    const approval = await this.visible(principal, id);
    if (!approval) {
      const escalation = await this.delegation.getRequest(principal, id);
      throw new AppError('wrong_request_kind', `request ${id} is a ${escalation.kind} escalation, not an approval: answer it with POST /requests/${id}/respond`, { kind: escalation.kind });
    }
    await this.access.requireBelow(principal, approval.session_id, 'answer approvals of');
    const decision: ApprovalDecisionKind = input.decision === 'approve' && input.for_session ? 'approve_for_session' : input.decision;
    if (!approval.decisions.includes(decision)) {
      throw new AppError('decision_not_offered', `request ${id} accepts ${approval.decisions.join(', ')}; ${decision} is not one of them`, { decisions: approval.decisions });
    }
    const who = principal.run
      ? answeredBy('agent', { principal: principal.id, run_id: principal.run.runId })
      : answeredBy('person', { principal: principal.id });
    const message = input.message ?? (decision === 'deny' ? `denied by ${principal.run ? `the parent agent (run ${principal.run.runId})` : 'a person'}` : null);
    const request = await this.store.settleApproval(id, {
      state: 'answered',
      decision,
      message,
      answered_by: who,
      ...(decision === 'approve_for_session' && { grants: grantsFor(approval) }),
    }, idem);
    return { request };
  }

  /**
   * Every request the principal may answer, across sessions, oldest first: approvals and
   * escalations of the owner's sessions; for a run token only those below its own session.
   */
  async inbox(principal: Principal, query: { state?: string | undefined; limit: number; cursor?: string | undefined }): Promise<{ requests: AnyRequest[]; next_cursor: string | null }> {
    // A run token's tree is small and filtered after reading, so it reads it whole.
    const limit = principal.run ? undefined : query.limit + 1;
    const [approvals, escalations] = await Promise.all([
      this.store.listApprovals({ owner: principal.id, state: query.state, afterId: query.cursor, ...(limit && { limit }) }),
      this.store.listEscalationsForOwner(principal.id, { state: query.state, afterId: query.cursor, limit: limit ?? -1 }),
    ]);
    let all: AnyRequest[] = [...approvals, ...escalations].sort(byId);
    if (principal.run) {
      const allowed: AnyRequest[] = [];
      for (const request of all) {
        const sessionId = request.kind === 'approval' ? request.session_id : (request as EscalationRequest).child_session_id;
        const session = await this.store.getSession(sessionId);
        if (session && this.access.canSee(principal, session) && (await this.mayAnswer(principal, sessionId))) allowed.push(request);
      }
      all = allowed;
    }
    const page = all.slice(0, query.limit);
    return { requests: page, next_cursor: all.length > query.limit ? page[page.length - 1]!.id : null };
  }

  /** The requests addressed to a session: its children's escalations and the approvals routed to it. */
  async listForSession(principal: Principal, sessionId: string, state?: string): Promise<AnyRequest[]> {
    const session = await this.sessions.visible(principal, sessionId);
    const escalationStates = new Set(['open', 'answered', 'noted']);
    const escalations = state === undefined || escalationStates.has(state) ? await this.delegation.listRequests(principal, session.id, state) : [];
    const approvals = await this.store.listApprovals({ parentSessionId: session.id, state });
    return [...escalations, ...approvals].sort(byId);
  }
}
