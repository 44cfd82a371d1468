/** Parses one line of a CLI's JSONL output; anything that is not a JSON object is skipped. */
export function parseJsonLine(line: string): Record<string, any> | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, any>) : undefined;
  } catch {
    return undefined;
  }
}
