/** How agentctl prints results: human text by default, compact JSON, or one field. */

export interface OutputOptions {
  format: 'human' | 'json';
  field?: string | undefined;
}

export class FieldNotFoundError extends Error {
  readonly code = 'field_not_found';
}

/** `a.b.0.c` → value; numeric segments index arrays. */
export function pickField(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object' || !(segment in (current as object))) {
      throw new FieldNotFoundError(`field "${path}" is not in the response`);
    }
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Strings bare, everything else as compact JSON. */
export function formatField(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Prints `result`. `human` renders the human form; without one, a readable key/value listing.
 */
export function emit(result: unknown, opts: OutputOptions, human?: (r: never) => string): void {
  let text: string;
  if (opts.field) text = formatField(pickField(result, opts.field));
  else if (opts.format === 'json') text = JSON.stringify(result);
  else text = human ? human(result as never) : keyValues(result);
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function keyValues(value: unknown, indent = ''): string {
  if (value === null || typeof value !== 'object') return `${indent}${String(value)}`;
  const entries = Object.entries(value as Record<string, unknown>);
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  return entries
    .map(([k, v]) => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
        return `${indent}${k}:\n${keyValues(v, `${indent}  `)}`;
      }
      const shown = v === null ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v);
      return `${indent}${k.padEnd(width)}  ${shown}`;
    })
    .join('\n');
}
