import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number ≥ 0');
  return n;
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since`: a duration back from now (`30m`, `24h`, `7d`, `2w`) or an ISO-8601 date or time; returned as ISO. */
export function sinceTime(value: string, now = Date.now()): string {
  const relative = /^(\d+(?:\.\d+)?)([mhdw])$/.exec(value.trim());
  if (relative) return new Date(now - Number(relative[1]) * UNITS[relative[2]!]!).toISOString();
  const at = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value.trim()) && !Number.isNaN(at)) return new Date(at).toISOString();
  throw new InvalidArgumentError('must be a duration such as 30m, 24h, 7d, 2w, or an ISO-8601 date or time');
}

/** A limit: a number ≥ 0, or `default` (null: the daemon's). */
export function limitOrDefault(value: string): number | null {
  if (value === 'default') return null;
  return nonNegativeNumber(value);
}
