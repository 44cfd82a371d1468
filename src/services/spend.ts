/**
 * What agents cost: usage totals per session (with everything below it), per owner and for the
 * daemon, and the budgets that stop a session from taking new runs once it spent its limit.
 */
import { AppError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { PRICES_AS_OF } from '../domain/prices.js';
import type { Session, UsageTotals } from '../protocol/schemas.js';
import { limitsOf, type BudgetDefaults } from '../domain/usage.js';
import type { SessionUsageRow, Store } from '../store/store.js';

export interface BudgetReport {
  /** The limits in force: the session's own, else the daemon's; null = none. */
  max_cost_usd: number | null;
  max_tokens: number | null;
  /** Which limit the session (with its children) has reached, if any: it takes no new run. */
  exceeded: 'max_cost_usd' | 'max_tokens' | null;
}

export class SpendService {
  constructor(
    private readonly store: Store,
    readonly defaults: BudgetDefaults,
  ) {}

  private limits(session: Session): BudgetDefaults {
    return limitsOf(session, this.defaults);
  }

  /** The limit `totals` has reached under the session's limits, if any. */
  private reached(session: Session, totals: UsageTotals): { limit: 'max_cost_usd' | 'max_tokens'; max: number; spent: number } | null {
    const { maxCostUsd, maxTokens } = this.limits(session);
    if (maxCostUsd > 0 && totals.cost_usd >= maxCostUsd) return { limit: 'max_cost_usd', max: maxCostUsd, spent: totals.cost_usd };
    if (maxTokens > 0 && totals.total_tokens >= maxTokens) return { limit: 'max_tokens', max: maxTokens, spent: totals.total_tokens };
    return null;
  }

  /**
   * Refuses a new run in `session` with `budget_exceeded` when it, or any session above it, has
   * spent its limit: an ancestor's budget covers everything below it.
   */
  async admit(session: Session): Promise<void> {
    for (let current: Session | undefined = session; current;) {
      const { maxCostUsd, maxTokens } = this.limits(current);
      if (maxCostUsd > 0 || maxTokens > 0) {
        const totals = await this.store.usageTotals({ sessionTree: current.id });
        const over = this.reached(current, totals);
        if (over) {
          const whose = current.id === session.id ? `session ${current.id}` : `session ${current.id} (above ${session.id})`;
          const figures = over.limit === 'max_cost_usd' ? `$${round(over.spent)} of its $${over.max} budget` : `${over.spent} of its ${over.max} tokens`;
          throw new AppError('budget_exceeded', `${whose} has spent ${figures}; raise the limit (session budget) or start a new session`, {
            session_id: current.id,
            limit: over.limit,
            max: over.max,
            spent: over.spent,
            cost_estimated: totals.estimated,
          });
        }
      }
      current = current.parent_session_id ? await this.store.getSession(current.parent_session_id) : undefined;
    }
  }

  /** A session's usage on its own and with every session below it, and its budget. */
  async ofSession(session: Session): Promise<{ usage: { own: UsageTotals; with_children: UsageTotals }; budget: BudgetReport }> {
    const own = await this.store.usageTotals({ session: session.id });
    const withChildren = await this.store.usageTotals({ sessionTree: session.id });
    const { maxCostUsd, maxTokens } = this.limits(session);
    return {
      usage: { own, with_children: withChildren },
      budget: {
        max_cost_usd: maxCostUsd > 0 ? maxCostUsd : null,
        max_tokens: maxTokens > 0 ? maxTokens : null,
        exceeded: this.reached(session, withChildren)?.limit ?? null,
      },
    };
  }

  async setBudget(principal: Principal, session: Session, budget: { max_cost_usd: number | null; max_tokens: number | null }): Promise<Session> {
    if (principal.run) throw new AppError('forbidden', 'a run token cannot change budgets');
    return this.store.setSessionBudget(session.id, budget);
  }

  /** Totals over every run agentd recorded, for daemon status. */
  async daemonTotals(): Promise<UsageTotals & { prices_as_of: string }> {
    return { ...(await this.store.usageTotals({})), prices_as_of: PRICES_AS_OF };
  }

  /** The caller's usage: totals and the sessions behind them, optionally since a time or within one session tree. */
  async report(principal: Principal, query: { since?: string | undefined; sessionTree?: string | undefined; limit: number }): Promise<{ totals: UsageTotals; sessions: SessionUsageRow[]; prices_as_of: string }> {
    const scope = { owner: principal.id, since: query.since, sessionTree: query.sessionTree };
    const [totals, sessions] = await Promise.all([this.store.usageTotals(scope), this.store.usageBySession(scope, query.limit)]);
    return { totals, sessions, prices_as_of: PRICES_AS_OF };
  }
}

const round = (usd: number) => Math.round(usd * 10_000) / 10_000;
