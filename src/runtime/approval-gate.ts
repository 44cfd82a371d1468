import type { Logger } from 'pino';
import { AppError } from '../domain/errors.js';
import {
  coveredByGrants, matchingRule, summarizeAsk, type ApprovalPolicy, type ResolvedApprovals,
} from '../domain/approval-policy.js';
import { answeredBy as by, type AnsweredBy, type AnyRequest, type ApprovalRequest } from '../protocol/approvals.js';
import type { Run, Session } from '../protocol/schemas.js';
import type { ApprovalAsk, ApprovalDecision } from '../providers/conversation.js';
import type { ApprovalOutcome, NewApproval, Store } from '../store/store.js';

/** How a turn's approvals that are still open end when the turn is stopped or its process is gone. */
export type ApprovalClosing = 'cancelled' | 'expired';

/** The approvals of one turn (one process of one run attempt). */
export interface TurnApprovals {
  /**
   * Records the ask — as an open request, or answered at once by an allow rule, a session grant or
   * the policy — and resolves once it is written, with the promise of its decision (which never
   * rejects). The same ask key within the turn gives the same request.
   */
  record(ask: ApprovalAsk): Promise<{ decision: Promise<ApprovalDecision> }>;
  /** Ends every open approval of the turn, and any asked later (the driver gets `cancel` or `deny`). */
  closeAll(how: ApprovalClosing, reason: string): Promise<void>;
  /** Told the number of open approvals whenever it changes (the idle timer pauses meanwhile). */
  onPendingChange(listener: (open: number) => void): void;
}

/** Where the runtime sends agents' asks. */
export interface ApprovalGate {
  /** The policy and allow rules in force for a session: its own, else the daemon's. */
  resolve(session: Session): ResolvedApprovals;
  forTurn(turn: { run: Run; session: Session; attempt: number; approvals: ResolvedApprovals }): TurnApprovals;
}

export interface GateSettings {
  policy: ApprovalPolicy;
  allow: string[];
  /** An open approval nobody answers within this is denied and recorded `expired`. */
  timeoutS: number;
}

/** What the driver tells its agent for a settled request. */
export function decisionOf(request: ApprovalRequest): ApprovalDecision {
  if (request.state === 'cancelled') return { decision: 'cancel', message: request.message };
  if (request.state === 'expired' || request.decision === 'deny' || request.decision === null) {
    return { decision: 'deny', message: request.message ?? 'denied' };
  }
  return { decision: request.decision, message: request.message };
}

/** How long, in words: "30 min", "90 s". */
export function duration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/**
 * The store-backed gate. An ask is answered at once by an allow rule, a session grant or the
 * policy (`auto`, `deny`), each recorded with who decided; otherwise it is recorded open and
 * waits — for an answer (a committed `request.answered`, whoever wrote it), the approval timeout,
 * or the end of its turn. Nothing polls: answers arrive as store events.
 */
export class StoreApprovalGate implements ApprovalGate {
  /** Settlement listeners of open approvals, by request id. */
  readonly waiters = new Map<string, (request: ApprovalRequest) => void>();
  private readonly unsubscribe: () => void;

  constructor(
    readonly store: Store,
    readonly settings: GateSettings,
    readonly log: Logger,
  ) {
    this.unsubscribe = store.onEvents((events) => {
      for (const event of events) {
        if (event.type !== 'request.answered') continue;
        const request = (event.data as { request?: AnyRequest } | null)?.request;
        if (request?.kind === 'approval') this.waiters.get(request.id)?.(request);
      }
    });
  }

  resolve(session: Session): ResolvedApprovals {
    return {
      policy: session.approval_policy ?? this.settings.policy,
      allow: [...new Set([...this.settings.allow, ...session.approval_allow])],
    };
  }

  forTurn(turn: { run: Run; session: Session; attempt: number; approvals: ResolvedApprovals }): TurnApprovals {
    return new GateTurn(this, turn.run, turn.session, turn.attempt, turn.approvals);
  }

  close(): void {
    this.unsubscribe();
  }
}

interface Pending {
  request: ApprovalRequest;
  decision: Promise<ApprovalDecision>;
  timer: NodeJS.Timeout;
}

class GateTurn implements TurnApprovals {
  private readonly pending = new Map<string, Pending>();
  private readonly listeners: ((open: number) => void)[] = [];
  private closing: ApprovalOutcome | null = null;

  constructor(
    private readonly gate: StoreApprovalGate,
    private readonly run: Run,
    private readonly session: Session,
    private readonly attempt: number,
    private readonly approvals: ResolvedApprovals,
  ) {}

  async record(ask: ApprovalAsk): Promise<{ decision: Promise<ApprovalDecision> }> {
    const input: NewApproval = {
      runId: this.run.id,
      attempt: this.attempt,
      key: ask.key,
      action: ask.action,
      command: ask.command ?? null,
      cwd: ask.cwd ?? null,
      tool: ask.tool ?? null,
      input: ask.input ?? null,
      changes: ask.changes ?? null,
      reason: ask.reason ?? null,
      decisions: ask.decisions.includes('deny') ? ask.decisions : [...ask.decisions, 'deny'],
      text: summarizeAsk(ask),
    };
    // An ask made while the turn is being stopped is recorded, and ends the way the others did.
    const outcome = this.closing ?? (await this.automatic(ask));
    const { request } = await this.gate.store.recordApproval(input, outcome);
    if (request.state !== 'open') return { decision: Promise.resolve(decisionOf(request)) };
    // The turn began to stop while this was being written: it ends like the others.
    if (this.closing) return { decision: this.settleNow(request.id, this.closing) };
    return { decision: this.wait(request) };
  }

  private async settleNow(id: string, outcome: ApprovalOutcome): Promise<ApprovalDecision> {
    try {
      return decisionOf(await this.gate.store.settleApproval(id, outcome));
    } catch {
      const current = await this.gate.store.getApproval(id);
      return current && current.state !== 'open' ? decisionOf(current) : { decision: 'cancel', message: outcome.message };
    }
  }

  /** An answer nobody needs to give: an allow rule, a grant of this session, or the policy. */
  private async automatic(ask: ApprovalAsk): Promise<ApprovalOutcome | undefined> {
    const approve = (answeredBy: AnsweredBy): ApprovalOutcome => ({ state: 'answered', decision: 'approve', message: null, answered_by: answeredBy });
    const rule = matchingRule(ask, this.approvals.allow);
    if (rule !== undefined) return approve(by('rule', { rule }));
    const grant = coveredByGrants(ask, await this.gate.store.listGrants(this.session.id));
    if (grant) return approve(by('session_grant', { rule: grant.value }));
    if (this.approvals.policy === 'auto') return approve(by('policy', { rule: 'auto' }));
    if (this.approvals.policy === 'deny') {
      return { state: 'answered', decision: 'deny', message: "denied by the session's approval policy (deny): nothing that needs approval runs", answered_by: by('policy', { rule: 'deny' }) };
    }
    return undefined;
  }

  /** One promise per open request, however often its key is asked. */
  private wait(request: ApprovalRequest): Promise<ApprovalDecision> {
    const known = this.pending.get(request.id);
    if (known) return known.decision;
    let settle!: (settled: ApprovalRequest) => void;
    const decision = new Promise<ApprovalDecision>((resolve) => {
      settle = (settled) => {
        const entry = this.pending.get(request.id);
        if (!entry) return;
        clearTimeout(entry.timer);
        this.pending.delete(request.id);
        this.gate.waiters.delete(request.id);
        this.notify();
        resolve(decisionOf(settled));
      };
    });
    const timer = setTimeout(() => void this.expire(request.id), this.gate.settings.timeoutS * 1000);
    timer.unref();
    this.pending.set(request.id, { request, decision, timer });
    this.gate.waiters.set(request.id, settle);
    this.notify();
    // An answer committed before the waiter was registered would be missed: look once more.
    void this.gate.store.getApproval(request.id).then((current) => {
      if (current && current.state !== 'open') settle(current);
    });
    return decision;
  }

  private async expire(id: string): Promise<void> {
    const timeout = duration(this.gate.settings.timeoutS);
    try {
      await this.gate.store.settleApproval(id, {
        state: 'expired', decision: 'deny', message: `nobody answered within ${timeout}, so it is denied`, answered_by: by('timeout'),
      });
    } catch (err) {
      // Answered meanwhile: that answer's event settles the waiter.
      if (!(err instanceof AppError && err.code === 'request_already_answered')) this.gate.log.error({ err, request_id: id, run_id: this.run.id, session_id: this.session.id }, 'cannot expire an approval');
    }
  }

  async closeAll(how: ApprovalClosing, reason: string): Promise<void> {
    this.closing ??= how === 'expired'
      ? { state: 'expired', decision: 'deny', message: `agentd stopped while the approval was open (${reason}), so it is denied`, answered_by: by('daemon_stopped') }
      : { state: 'cancelled', decision: null, message: `the run ended before it was answered: ${reason}`, answered_by: by('run_ended') };
    // Nothing open is not waited for: a record() still in flight sees `closing` and settles itself.
    if (this.pending.size === 0) return;
    await this.gate.store.settleOpenApprovals(this.run.id, this.closing);
  }

  onPendingChange(listener: (open: number) => void): void {
    this.listeners.push(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.pending.size);
  }
}
