/**
 * One usage record per run, whichever CLI ran it: each provider's own reader knows what its
 * figures mean. A provider without one (the command provider, scripts) reports agentd's own
 * shape — see `genericUsage`.
 */
import { estimateCost } from '../domain/prices.js';
import { count, money, optionalCount, type UsageRecord } from '../domain/usage.js';
import { claudeUsage } from './claude/usage.js';
import { codexUsage } from './codex/usage.js';
import type { Provider, TurnOutcome } from './provider.js';

export function usageOfTurn(provider: Provider, outcome: TurnOutcome): UsageRecord | null {
  switch (provider.name) {
    case 'codex':
      return codexUsage(outcome.usage, outcome.model ?? null);
    case 'claude':
      return claudeUsage(outcome.usage, outcome.costUsd, outcome.model ?? null);
    default:
      return genericUsage(outcome.usage, outcome.costUsd, outcome.model ?? null);
  }
}

/**
 * agentd's own shape, as a script reports it (docs/api-contract.md, "Usage"): `input_tokens`
 * (cached included), `cached_input_tokens`, `output_tokens`, `reasoning_tokens`, `cost_usd`,
 * `model`. A cost the script gives is reported; without one, a priced model's is estimated.
 */
export function genericUsage(reported: Record<string, unknown> | null, costUsd: number | null, model: string | null): UsageRecord | null {
  if (!reported && costUsd === null) return null;
  const u = reported ?? {};
  const tokens = {
    input_tokens: count(u.input_tokens),
    cached_input_tokens: count(u.cached_input_tokens),
    output_tokens: count(u.output_tokens),
  };
  const name = typeof u.model === 'string' ? u.model : model;
  const given = money(u.cost_usd) ?? money(costUsd);
  const cost = given ?? estimateCost(name, tokens);
  return {
    ...tokens,
    reasoning_tokens: optionalCount(u.reasoning_tokens ?? u.reasoning_output_tokens),
    model: name,
    cost_usd: cost,
    cost_source: cost === null ? null : given !== null ? 'reported' : 'estimated',
    reported: reported ?? null,
  };
}
