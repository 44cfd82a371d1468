/**
 * What agentctl may do to the terminal it writes to. Live displays (a status line redrawn in place,
 * colour) are for a person at a terminal only: piped output and `--format json` stay plain text that
 * scripts can parse, and `NO_COLOR` (https://no-color.org) turns colour off everywhere.
 */

/** The part of a stream agentctl needs: process.stdout and process.stderr fit it. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Terminal {
  out: OutputStream;
  err: OutputStream;
  /** Both stdout and stderr are terminals: a person is watching, nothing is being captured. */
  interactive: boolean;
  paint: Paint;
}

/** ANSI styles; every one is the identity when colour is off. */
export interface Paint {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const style = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const same = (text: string) => text;

export function paint(enabled: boolean): Paint {
  return enabled
    ? { enabled, bold: style(1, 22), dim: style(2, 22), red: style(31, 39), green: style(32, 39), yellow: style(33, 39), cyan: style(36, 39) }
    : { enabled, bold: same, dim: same, red: same, green: same, yellow: same, cyan: same };
}

/** The environment variables that decide colour, read by the caller (src/cli/context.ts). */
export interface ColourEnv {
  NO_COLOR?: string | undefined;
  TERM?: string | undefined;
}

/**
 * The terminal of process-like streams, looked at only when asked: creating process.stderr costs a
 * few milliseconds of agentctl's cold start, and most commands never write to it.
 */
export function terminalOf(streams: { readonly out: OutputStream; readonly err: OutputStream }, env: ColourEnv): Terminal {
  let interactive: boolean | undefined;
  let painter: Paint | undefined;
  return {
    get out() {
      return streams.out;
    },
    get err() {
      return streams.err;
    },
    get interactive() {
      // stderr is only looked at when stdout is a terminal.
      return (interactive ??= streams.out.isTTY === true && streams.err.isTTY === true);
    },
    get paint() {
      // NO_COLOR counts when set to anything but the empty string; a dumb terminal has no escapes.
      return (painter ??= paint(this.interactive && !env.NO_COLOR && env.TERM !== 'dumb'));
    },
  };
}

/** Cuts plain text to `width` columns, marking the cut with an ellipsis. */
export function fit(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 1 ? chars.slice(0, width).join('') : `${chars.slice(0, width - 1).join('')}…`;
}

/** `1m 05s`, `12s`, `2h 03m`: short and stable in width while it ticks. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}
