/**
 * Who may do what. Operators (and the local principal) reach everything they own. A run token
 * reaches only its own session tree, and within it:
 *   read (sessions, events, runs, wait, diagnose, requests) — anywhere in the tree;
 *   spawn and reply-parent — from its own run only;
 *   send, respond, cancel — into sessions strictly below its own;
 *   nothing daemon-wide (list or create sessions, POST /runs, transitions, daemon status).
 * Outside its tree a resource does not exist for it (404); inside, a forbidden act is 403.
 */
import { AppError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import type { Session } from '../protocol/schemas.js';
import type { Store } from '../store/store.js';

export class Access {
  constructor(private readonly store: Store) {}

  canSee(principal: Principal, session: Session): boolean {
    if (session.owner !== principal.id) return false;
    return !principal.run || session.root_session_id === principal.run.rootSessionId;
  }

  requireOperator(principal: Principal, what: string): void {
    if (principal.run) throw new AppError('forbidden', `a run token cannot ${what}`);
  }

  requireOwnRun(principal: Principal, runId: string, what: string): void {
    if (principal.run && principal.run.runId !== runId) {
      throw new AppError('forbidden', `a run token can ${what} only for its own run (${principal.run.runId})`);
    }
  }

  requireOwnSession(principal: Principal, sessionId: string, what: string): void {
    if (principal.run && principal.run.sessionId !== sessionId) {
      throw new AppError('forbidden', `a run token can ${what} only in its own session (${principal.run.sessionId})`);
    }
  }

  /** Sending work (or answers, or a cancel) goes down the tree only: to descendants of the run's session. */
  async requireBelow(principal: Principal, sessionId: string, what: string): Promise<void> {
    if (!principal.run) return;
    if (!(await this.store.isDescendant(sessionId, principal.run.sessionId))) {
      throw new AppError('forbidden', `a run token can ${what} only sessions below its own (${principal.run.sessionId})`);
    }
  }
}
