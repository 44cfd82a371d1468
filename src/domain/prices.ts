/**
 * What OpenAI models cost per million tokens, for runs whose CLI reports tokens but no cost
 * (codex). The one place prices live. Costs computed from it are marked `estimated`: prices
 * change, accounts have discounts, and codex may bill differently (a ChatGPT plan, not the API).
 *
 * Source: OpenAI's published API prices (openai.com/api/pricing), standard tier, as of the date
 * below. Update the table and the date together; add a model by its API name.
 */
export const PRICES_AS_OF = '2026-06-01';

export interface ModelPrice {
  /** USD per 1M input tokens not served from the cache. */
  input: number;
  /** USD per 1M cached input tokens. */
  cached_input: number;
  /** USD per 1M output tokens (reasoning included). */
  output: number;
}

const PRICES: Record<string, ModelPrice> = {
  'gpt-5.5': { input: 5, cached_input: 0.5, output: 30 },
  'gpt-5.4': { input: 2.5, cached_input: 0.25, output: 15 },
  'gpt-5.4-mini': { input: 0.75, cached_input: 0.075, output: 4.5 },
  'gpt-5.4-nano': { input: 0.2, cached_input: 0.02, output: 1.25 },
  'gpt-5.2': { input: 1.75, cached_input: 0.175, output: 14 },
  'gpt-5.2-codex': { input: 1.75, cached_input: 0.175, output: 14 },
  'gpt-5.1': { input: 1.25, cached_input: 0.125, output: 10 },
  'gpt-5.1-codex': { input: 1.25, cached_input: 0.125, output: 10 },
  'gpt-5.1-codex-mini': { input: 0.25, cached_input: 0.025, output: 2 },
  'gpt-5': { input: 1.25, cached_input: 0.125, output: 10 },
  'gpt-5-codex': { input: 1.25, cached_input: 0.125, output: 10 },
  'gpt-5-mini': { input: 0.25, cached_input: 0.025, output: 2 },
  'gpt-5-nano': { input: 0.05, cached_input: 0.005, output: 0.4 },
  'gpt-4.1': { input: 2, cached_input: 0.5, output: 8 },
  'gpt-4.1-mini': { input: 0.4, cached_input: 0.1, output: 1.6 },
  'o3': { input: 2, cached_input: 0.5, output: 8 },
  'o4-mini': { input: 1.1, cached_input: 0.275, output: 4.4 },
};

/** The price of a model by its name; a dated snapshot (`gpt-5-2025-08-07`) is priced as its model. */
export function priceOf(model: string | null): ModelPrice | null {
  if (!model) return null;
  const name = model.trim().toLowerCase();
  return PRICES[name] ?? PRICES[name.replace(/-\d{4}-\d{2}-\d{2}$/, '')] ?? null;
}

/** USD for the tokens at the model's price; null when the model has no price here. */
export function estimateCost(model: string | null, tokens: { input_tokens: number; cached_input_tokens: number; output_tokens: number }): number | null {
  const price = priceOf(model);
  if (!price) return null;
  const cached = Math.min(tokens.cached_input_tokens, tokens.input_tokens);
  const usd = ((tokens.input_tokens - cached) * price.input + cached * price.cached_input + tokens.output_tokens * price.output) / 1_000_000;
  // Rounded to 1e-10 USD, so figures print without binary-fraction noise.
  return Math.round(usd * 1e10) / 1e10;
}
