/** How each CLI's figures become one usage record, and what the price table and roots decide. */
import { describe, expect, it } from 'vitest';
import { estimateCost, priceOf } from '../../../src/domain/prices.js';
import { claudeUsage } from '../../../src/providers/claude/usage.js';
import { codexUsage } from '../../../src/providers/codex/usage.js';
import { UsageLines } from '../../../src/providers/command/usage-line.js';
import { genericUsage } from '../../../src/providers/usage.js';
import { isWithin } from '../../../src/workspaces/roots.js';
import { sinceTime } from '../../../src/cli/parse.js';

describe('usage readers', () => {
  it("claude: cache reads and writes are input the model read; thinking is reasoning; the cost is claude's", () => {
    const reported = { input_tokens: 12, cache_read_input_tokens: 3000, cache_creation_input_tokens: 500, output_tokens: 40, output_tokens_details: { thinking_tokens: 25 } };
    expect(claudeUsage(reported, 0.0123, 'claude-x')).toEqual({
      input_tokens: 3512, cached_input_tokens: 3000, output_tokens: 40, reasoning_tokens: 25,
      model: 'claude-x', cost_usd: 0.0123, cost_source: 'reported', reported,
    });
    expect(claudeUsage(null, null, null)).toBeNull();
  });

  it('codex: OpenAI counts kept as they are, the cost estimated only for a priced model', () => {
    const reported = { input_tokens: 2000, cached_input_tokens: 500, output_tokens: 100, reasoning_output_tokens: 60 };
    const priced = codexUsage(reported, 'gpt-5-2025-08-07');
    expect(priced).toMatchObject({ input_tokens: 2000, cached_input_tokens: 500, output_tokens: 100, reasoning_tokens: 60, cost_source: 'estimated' });
    expect(priced!.cost_usd).toBe((1500 * 1.25 + 500 * 0.125 + 100 * 10) / 1e6);
    expect(codexUsage(reported, 'local-model')).toMatchObject({ cost_usd: null, cost_source: null, model: 'local-model' });
    expect(codexUsage(null, 'gpt-5')).toBeNull();
  });

  it('a script: a cost it gives is reported, else estimated from its model; junk counts are zero', () => {
    expect(genericUsage({ input_tokens: 10, output_tokens: 5, cost_usd: 0.5 }, null, null)).toMatchObject({ cost_usd: 0.5, cost_source: 'reported' });
    expect(genericUsage({ input_tokens: 1_000_000, output_tokens: 0, model: 'gpt-5-mini' }, null, null)).toMatchObject({ cost_usd: 0.25, cost_source: 'estimated' });
    expect(genericUsage({ input_tokens: -5, output_tokens: 'many' }, null, null)).toMatchObject({ input_tokens: 0, output_tokens: 0, cost_usd: null });
  });

  it('usage lines add up, keep the last model, and only lines of type usage count', () => {
    const lines = new UsageLines();
    expect(lines.take('{"type":"usage","input_tokens":10,"output_tokens":2,"model":"a"}')).toBe(true);
    expect(lines.take('  {"type":"usage","input_tokens":5,"cost_usd":0.25,"model":"b"}')).toBe(true);
    expect(lines.take('{"type":"note","usage":1}')).toBe(false);
    expect(lines.take('the word "usage" in text')).toBe(false);
    expect(lines.take('{"type":"usage", broken')).toBe(false);
    expect(lines.total()).toEqual({ input_tokens: 15, output_tokens: 2, cost_usd: 0.25, model: 'b' });
    expect(new UsageLines().total()).toBeNull();
  });
});

describe('the price table', () => {
  it('prices a dated snapshot as its model, and never guesses a model it does not list', () => {
    expect(priceOf('GPT-5-2025-08-07')).toEqual(priceOf('gpt-5'));
    expect(priceOf('gpt-5-pro')).toBeNull();
    expect(priceOf(null)).toBeNull();
    expect(estimateCost('unknown', { input_tokens: 1, cached_input_tokens: 0, output_tokens: 1 })).toBeNull();
    // Cached tokens beyond the input (a vendor quirk) are not counted twice.
    expect(estimateCost('gpt-5', { input_tokens: 10, cached_input_tokens: 50, output_tokens: 0 })).toBe(10 * 0.125 / 1e6);
  });
});

describe('roots and times', () => {
  it('a path is within a root only below it, not beside it with a longer name', () => {
    expect(isWithin('/a/b', '/a/b')).toBe(true);
    expect(isWithin('/a/b', '/a/b/c')).toBe(true);
    expect(isWithin('/a/b', '/a/bc')).toBe(false);
    expect(isWithin('/a/b', '/a')).toBe(false);
    expect(isWithin('/a/b', '/a/b/..c')).toBe(true);
  });

  it('--since takes a duration back from now or an ISO date', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    expect(sinceTime('24h', now)).toBe('2026-11-24T12:00:00.000Z');
    expect(sinceTime('30m', now)).toBe('2026-11-25T11:30:00.000Z');
    expect(sinceTime('2w', now)).toBe('2026-11-11T12:00:00.000Z');
    expect(sinceTime('2026-11-01')).toBe('2026-11-01T00:00:00.000Z');
    expect(() => sinceTime('yesterday')).toThrow(/duration/);
    expect(() => sinceTime('12')).toThrow(/duration/);
  });
});
