import type { ResolvedApprovals } from '../domain/approval-policy.js';
import type { Run, Session } from '../protocol/schemas.js';
import type { ApprovalAsk, ApprovalDecision } from '../providers/conversation.js';

/** An approval a run is waiting for, as diagnose reports it. */
export interface PendingApproval {
  requestId: string;
  since: string;
  summary: string;
}

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
  /** The oldest approval this turn is waiting for, if any. */
  waiting(): PendingApproval | null;
  /** Ends every open approval of the turn (the driver's promises resolve with `cancel` or `deny`). */
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

/**
 * Interim gate until approvals are stored: every ask is denied at once, with a message saying why,
 * and nothing is recorded. Replaced by the store-backed gate of issue 12.
 */
export const refuseApprovals: ApprovalGate = {
  resolve: () => ({ policy: 'default', allow: [] }),
  forTurn: () => ({
    record: async () => ({ decision: Promise.resolve({ decision: 'deny', message: 'this agentd cannot forward approvals yet; denied' }) }),
    waiting: () => null,
    closeAll: async () => {},
    onPendingChange: () => {},
  }),
};
