import { estimateCost } from '../../domain/prices.js';
import { count, optionalCount, type UsageRecord } from '../../domain/usage.js';

/**
 * codex's `turn.completed.usage` (exec) or its sum of `thread/tokenUsage/updated` (app-server):
 * OpenAI counts — input includes cached input, output includes reasoning. codex reports no cost,
 * so it is estimated from the price table when the model is known.
 */
export function codexUsage(reported: Record<string, unknown> | null, model: string | null): UsageRecord | null {
  if (!reported) return null;
  const tokens = {
    input_tokens: count(reported.input_tokens),
    cached_input_tokens: count(reported.cached_input_tokens),
    output_tokens: count(reported.output_tokens),
  };
  const cost = estimateCost(model, tokens);
  return {
    ...tokens,
    reasoning_tokens: optionalCount(reported.reasoning_output_tokens),
    model,
    cost_usd: cost,
    cost_source: cost === null ? null : 'estimated',
    reported,
  };
}
