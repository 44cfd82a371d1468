/**
 * A run's usage as agentd records it, whatever CLI ran: token counts with one meaning across
 * vendors, the model when known, and the cost with where it came from. No I/O here.
 */
export interface UsageRecord {
  /** Every input token the model read, cached ones included. */
  input_tokens: number;
  cached_input_tokens: number;
  /** Tokens the model wrote, reasoning included. */
  output_tokens: number;
  /** Of output_tokens, those spent reasoning; null when the CLI does not say. */
  reasoning_tokens: number | null;
  model: string | null;
  cost_usd: number | null;
  /** `reported` by the CLI, or `estimated` from agentd's price table; null without a cost. */
  cost_source: 'reported' | 'estimated' | null;
  /** The CLI's own figures, verbatim. */
  reported: Record<string, unknown> | null;
}

/** A count from vendor JSON: a non-negative integer, or 0. */
export function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0;
}

/** A count the vendor may leave out: null when it did. */
export function optionalCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : null;
}

export function money(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/** Daemon-wide spend limits per session (with its children); 0 = none. A session may set its own. */
export interface BudgetDefaults {
  maxCostUsd: number;
  maxTokens: number;
}

/** The limits in force for a session: its own, else the daemon's; 0 means none. */
export function limitsOf(session: { max_cost_usd: number | null; max_tokens: number | null }, defaults: BudgetDefaults): BudgetDefaults {
  return { maxCostUsd: session.max_cost_usd ?? defaults.maxCostUsd, maxTokens: session.max_tokens ?? defaults.maxTokens };
}
