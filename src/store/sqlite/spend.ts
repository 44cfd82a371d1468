/**
 * Usage and budgets of the SQLite store: each run's normalised usage in columns, so totals over a
 * session tree, an owner or a time window are one aggregate query; and the announcement of a
 * budget a run's usage crosses, written in the transaction that records that usage.
 */
import type Database from 'better-sqlite3';
import type { Run, Session, UsageTotals } from '../../protocol/schemas.js';
import { limitsOf, type BudgetDefaults } from '../../domain/usage.js';
import type { SessionUsageRow, UsageRecord, UsageScope } from '../store.js';
import { toSession } from './rows.js';
import type { SqliteStore, Tx } from './sqlite-store.js';

/** The runs columns a usage record is written to. */
export function usageColumns(usage: UsageRecord | null): Record<string, unknown> {
  return {
    usage: usage?.reported ? JSON.stringify(usage.reported) : null,
    input_tokens: usage?.input_tokens ?? null,
    cached_input_tokens: usage?.cached_input_tokens ?? null,
    output_tokens: usage?.output_tokens ?? null,
    reasoning_tokens: usage?.reasoning_tokens ?? null,
    usage_model: usage?.model ?? null,
    cost_usd: usage?.cost_usd ?? null,
    cost_source: usage?.cost_usd == null ? null : usage.cost_source,
  };
}

const TOTALS = `count(*) AS runs,
  coalesce(sum(r.input_tokens), 0) AS input_tokens,
  coalesce(sum(r.cached_input_tokens), 0) AS cached_input_tokens,
  coalesce(sum(r.output_tokens), 0) AS output_tokens,
  coalesce(sum(r.reasoning_tokens), 0) AS reasoning_tokens,
  coalesce(sum(r.cost_usd), 0) AS cost_usd,
  coalesce(max(r.cost_source = 'estimated'), 0) AS estimated,
  coalesce(sum(r.cost_usd IS NULL), 0) AS runs_without_cost`;

/** Statements differ only by which filters a scope sets; each shape is prepared once. */
const prepared = new WeakMap<Database.Database, Map<string, Database.Statement>>();
function statement(db: Database.Database, sql: string): Database.Statement {
  let cache = prepared.get(db);
  if (!cache) prepared.set(db, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

function scoped(scope: UsageScope, select: string, tail = '', joinSessions = false): { sql: string; params: unknown[] } {
  const where = ['(r.input_tokens IS NOT NULL OR r.cost_usd IS NOT NULL)'];
  const params: unknown[] = [];
  let prefix = '';
  if (scope.sessionTree !== undefined) {
    prefix = `WITH RECURSIVE tree(id) AS (SELECT ? UNION ALL SELECT c.id FROM sessions c JOIN tree t ON c.parent_session_id = t.id) `;
    params.push(scope.sessionTree);
    where.push('r.session_id IN tree');
  }
  if (scope.session !== undefined) {
    where.push('r.session_id = ?');
    params.push(scope.session);
  }
  if (scope.owner !== undefined) {
    where.push('s.owner = ?');
    params.push(scope.owner);
  }
  if (scope.since !== undefined) {
    where.push('r.ended_at >= ?');
    params.push(scope.since);
  }
  // Only an owner filter or session columns need the sessions table; the rest reads the runs_usage index.
  const join = scope.owner !== undefined || joinSessions ? 'JOIN sessions s ON s.id = r.session_id' : '';
  return { sql: `${prefix}SELECT ${select} FROM runs r ${join} WHERE ${where.join(' AND ')} ${tail}`, params };
}

interface TotalsRow extends Omit<UsageTotals, 'estimated' | 'total_tokens'> {
  estimated: number;
}

function toTotals(row: TotalsRow): UsageTotals {
  return {
    runs: row.runs,
    input_tokens: row.input_tokens,
    cached_input_tokens: row.cached_input_tokens,
    output_tokens: row.output_tokens,
    reasoning_tokens: row.reasoning_tokens,
    total_tokens: row.input_tokens + row.output_tokens,
    cost_usd: row.cost_usd,
    estimated: row.estimated === 1,
    runs_without_cost: row.runs_without_cost,
  };
}

export function usageTotals(store: SqliteStore, scope: UsageScope): UsageTotals {
  const { sql, params } = scoped(scope, TOTALS);
  return toTotals(statement(store.db, sql).get(...params) as TotalsRow);
}

export function usageBySession(store: SqliteStore, scope: UsageScope, limit: number): SessionUsageRow[] {
  const { sql, params } = scoped(
    scope,
    `r.session_id AS session_id, s.title AS title, s.provider AS provider, s.parent_session_id AS parent_session_id,
     max(r.ended_at) AS last_ended_at, ${TOTALS}`,
    'GROUP BY r.session_id ORDER BY last_ended_at DESC, r.session_id DESC LIMIT ?',
    true,
  );
  const rows = statement(store.db, sql).all(...params, limit) as (TotalsRow & Pick<SessionUsageRow, 'session_id' | 'title' | 'provider' | 'parent_session_id' | 'last_ended_at'>)[];
  return rows.map((row) => ({
    session_id: row.session_id,
    title: row.title,
    provider: row.provider,
    parent_session_id: row.parent_session_id,
    last_ended_at: row.last_ended_at,
    ...toTotals(row),
  }));
}

/**
 * Inside the transaction that recorded `run`'s usage: the run's session and each ancestor whose
 * budget (spend of it and everything below it) this usage took from under its limit to at or
 * over it hears of it once, with `session.budget_exceeded`.
 */
export function announceBudgetCrossings(store: SqliteStore, tx: Tx, run: Run, defaults: BudgetDefaults): void {
  const usage = run.usage;
  if (!usage) return;
  for (let id: string | null = run.session_id; id !== null;) {
    const session = toSession(store.sessionRow(id));
    const { maxCostUsd, maxTokens } = limitsOf(session, defaults);
    if (maxCostUsd > 0 || maxTokens > 0) {
      const after = usageTotals(store, { sessionTree: session.id });
      const crossed = (limit: 'max_cost_usd' | 'max_tokens', max: number, spent: number, added: number) => {
        if (max > 0 && spent >= max && spent - added < max) {
          tx.emit(session.id, session.id === run.session_id ? run.id : null, [{
            type: 'session.budget_exceeded',
            data: { limit, max, spent, run_id: run.id, run_session_id: run.session_id },
          }]);
        }
      };
      crossed('max_cost_usd', maxCostUsd, after.cost_usd, usage.cost_usd ?? 0);
      crossed('max_tokens', maxTokens, after.total_tokens, usage.total_tokens);
    }
    id = session.parent_session_id;
  }
}

export function setSessionBudget(store: SqliteStore, sessionId: string, budget: { max_cost_usd: number | null; max_tokens: number | null }): Session {
  return store.write((tx) => {
    store.sessionRow(sessionId);
    store.db.prepare('UPDATE sessions SET max_cost_usd = ?, max_tokens = ?, updated_at = ? WHERE id = ?')
      .run(budget.max_cost_usd, budget.max_tokens, new Date().toISOString(), sessionId);
    tx.emit(sessionId, null, [{ type: 'session.budget', data: budget }]);
    return toSession(store.sessionRow(sessionId));
  });
}
