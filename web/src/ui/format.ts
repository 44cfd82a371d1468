/** Times and durations in words a person reads at a glance. */

export function ago(ts: string | null | undefined, now = Date.now()): string {
  if (!ts) return '—';
  const seconds = Math.round((now - Date.parse(ts)) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

export function duration(fromTs: string | null | undefined, toTs: string | null | undefined): string {
  if (!fromTs || !toTs) return '—';
  const ms = Date.parse(toTs) - Date.parse(fromTs);
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

// One formatter for every row: making one per call (toLocaleTimeString) was the costliest part of drawing a row.
const CLOCK = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function clock(ts: string): string {
  return CLOCK.format(new Date(ts));
}

export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 4)}…${id.slice(-6)}` : id;
}
