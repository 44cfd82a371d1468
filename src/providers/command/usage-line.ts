import { parseJsonLine } from '../json-lines.js';

const SUMMED = ['input_tokens', 'cached_input_tokens', 'output_tokens', 'reasoning_tokens', 'cost_usd'] as const;

/**
 * The command provider's usage report: a stdout line such as
 *   {"type":"usage","input_tokens":1200,"cached_input_tokens":200,"output_tokens":300,"cost_usd":0.004,"model":"gpt-5"}
 * Every field is optional; several lines add up (one per model call, say), the last `model`
 * counts. Such a line is consumed: it is not a text item, nor the final text.
 */
export class UsageLines {
  private sum: Record<string, unknown> | null = null;

  /** Whether the line was a usage report (and was counted). */
  take(line: string): boolean {
    if (!line.trimStart().startsWith('{') || !line.includes('"usage"')) return false;
    const value = parseJsonLine(line);
    if (value?.type !== 'usage') return false;
    const sum = (this.sum ??= {});
    for (const field of SUMMED) {
      const n = value[field];
      if (typeof n === 'number' && Number.isFinite(n) && n >= 0) sum[field] = ((sum[field] as number | undefined) ?? 0) + n;
    }
    if (typeof value.model === 'string') sum.model = value.model;
    return true;
  }

  total(): Record<string, unknown> | null {
    return this.sum;
  }
}
