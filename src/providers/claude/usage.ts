import { count, money, optionalCount, type UsageRecord } from '../../domain/usage.js';

/**
 * claude's `result` line: `usage` in Anthropic counts — input_tokens excludes cache reads and
 * cache writes, which are input read too, so they are added in — and `total_cost_usd`, which
 * claude computes itself (reported, not estimated).
 */
export function claudeUsage(reported: Record<string, unknown> | null, costUsd: number | null, model: string | null): UsageRecord | null {
  if (!reported && costUsd === null) return null;
  const u = reported ?? {};
  const cacheRead = count(u.cache_read_input_tokens);
  const details = u.output_tokens_details as Record<string, unknown> | undefined;
  const cost = money(costUsd);
  return {
    input_tokens: count(u.input_tokens) + cacheRead + count(u.cache_creation_input_tokens),
    cached_input_tokens: cacheRead,
    output_tokens: count(u.output_tokens),
    reasoning_tokens: optionalCount(details?.thinking_tokens),
    model,
    cost_usd: cost,
    cost_source: cost === null ? null : 'reported',
    reported: reported ?? null,
  };
}
