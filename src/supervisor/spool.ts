/**
 * A run's spool: the records of its turn as JSON lines, in segment files named by the byte offset
 * they start at (`000000000000000.spool`, then the next from where it ended). Offsets are logical
 * and never reused, so agentd can store "consumed up to N" and continue there after a restart.
 * The supervisor appends and deletes segments agentd has acknowledged; agentd reads. A segment is
 * only ever closed at a record boundary, so a reader that reaches the end of one finds the next
 * under the name of its own position.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Segments roll at about this size; a reader that keeps up holds at most about one. */
export const DEFAULT_SEGMENT_BYTES = 1024 * 1024;

const SEGMENT = /^(\d{15})\.spool$/;
const segmentName = (start: number) => `${String(start).padStart(15, '0')}.spool`;
/** Unix socket paths are limited to 107 bytes (104 on macOS). */
const MAX_SOCKET_PATH = 100;

/** Where the spools of a database's runs live: beside the database, like its -wal file. */
export function spoolRoot(dbPath: string): string {
  return `${dbPath}-spool`;
}

/** One directory per run attempt: a re-queued run's new attempt never reads the old one's records. */
export function runSpoolDir(root: string, runId: string, attempt: number): string {
  return join(root, `${runId}.${attempt}`);
}

/** Parses a run spool directory's name back into its run and attempt. */
export function parseRunSpoolName(name: string): { runId: string; attempt: number } | null {
  const match = /^(run_[0-9a-z]+)\.(\d+)$/.exec(name);
  return match ? { runId: match[1]!, attempt: Number(match[2]) } : null;
}

/**
 * The supervisor's socket: in the run's spool directory (mode 0700, so only this user connects),
 * or — when that path is too long for a Unix socket — in a per-user directory under /tmp, named
 * by a hash of the spool directory so every process finds it the same way.
 */
export function supervisorSocketPath(dir: string): string {
  const near = join(dir, 'sock');
  if (Buffer.byteLength(near) <= MAX_SOCKET_PATH) return near;
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return join('/tmp', `agentd-${uid}`, `${createHash('sha256').update(dir).digest('hex').slice(0, 24)}.sock`);
}

/** Makes the directory a socket path lives in (0700), for the long-path case. */
export function ensureSocketDir(socketPath: string): void {
  mkdirSync(join(socketPath, '..'), { recursive: true, mode: 0o700 });
}

function segmentsOf(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const m = SEGMENT.exec(n);
    return m ? [Number(m[1])] : [];
  }).sort((a, b) => a - b);
}

/** Removes a run's spool directory and its socket, wherever that lives. */
export function removeRunSpool(dir: string): void {
  const socket = supervisorSocketPath(dir);
  if (!socket.startsWith(dir)) rmSync(socket, { force: true });
  rmSync(dir, { recursive: true, force: true });
}

/** Appends records (the supervisor's side). Writes are synchronous: a record is on disk before agentd is told. */
export class SpoolWriter {
  private fd: number;
  private segmentStart: number;
  /** The offset after the last byte written. */
  end: number;

  constructor(
    private readonly dir: string,
    private readonly segmentBytes = DEFAULT_SEGMENT_BYTES,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // A supervisor writes a fresh spool; there is never one to continue.
    this.segmentStart = 0;
    this.end = 0;
    this.fd = openSync(join(dir, segmentName(0)), 'wx', 0o600);
  }

  /** Appends complete lines (each ending in "\n"); rolls to a new segment once this one is full. */
  append(lines: string): void {
    if (lines === '') return;
    const bytes = Buffer.from(lines, 'utf8');
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
    this.end += bytes.length;
    if (this.end - this.segmentStart >= this.segmentBytes) {
      closeSync(this.fd);
      this.segmentStart = this.end;
      this.fd = openSync(join(this.dir, segmentName(this.end)), 'wx', 0o600);
    }
  }

  /** Deletes the segments that end at or before `offset` (never the one being written). */
  trim(offset: number): void {
    const starts = segmentsOf(this.dir);
    for (let i = 0; i + 1 < starts.length; i++) {
      if (starts[i + 1]! <= offset && starts[i]! < this.segmentStart) unlinkSync(join(this.dir, segmentName(starts[i]!)));
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

export interface SpooledLine {
  text: string;
  /** The offset just after this line: where to continue once it is consumed. */
  end: number;
}

/** Reads complete lines from an offset on (agentd's side), across segments. */
export class SpoolReader {
  private fd: number | null = null;
  private segmentStart = 0;
  private buffer = Buffer.alloc(256 * 1024);

  /** `position` is the offset of the next unread byte; it only moves past complete lines. */
  constructor(
    private readonly dir: string,
    public position: number,
  ) {}

  /** Whether the spool directory exists at all. */
  exists(): boolean {
    return existsSync(this.dir);
  }

  /** Up to about `maxBytes` of complete lines after `position`; [] when nothing new is complete. */
  read(maxBytes = 1024 * 1024): SpooledLine[] {
    const lines: SpooledLine[] = [];
    let budget = maxBytes;
    while (budget > 0) {
      if (!this.open()) break;
      const want = Math.min(this.buffer.length, budget);
      const n = readSync(this.fd!, this.buffer, 0, want, this.position - this.segmentStart);
      if (n === 0) {
        // The end of this segment: the next one, if the writer has rolled, starts right here
        // (an empty segment is never followed by another: the writer rolls only after writing).
        if (this.position === this.segmentStart || !existsSync(join(this.dir, segmentName(this.position)))) break;
        this.close();
        continue;
      }
      const last = this.buffer.lastIndexOf(10, n - 1);
      if (last < 0) {
        if (n < want) break; // its end is not written yet
        if (lines.length > 0) break; // the budget is spent; the rest next time
        // One line longer than what was read: read more at once.
        if (want === this.buffer.length) this.buffer = Buffer.alloc(this.buffer.length * 2);
        budget = this.buffer.length;
        continue;
      }
      let from = 0;
      while (from <= last) {
        const nl = this.buffer.indexOf(10, from);
        lines.push({ text: this.buffer.toString('utf8', from, nl), end: this.position + nl + 1 });
        from = nl + 1;
      }
      this.position += last + 1;
      budget -= last + 1;
    }
    return lines;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** Opens the segment holding `position`; false when there is none (yet, or any more). */
  private open(): boolean {
    if (this.fd !== null) return true;
    const starts = segmentsOf(this.dir).filter((s) => s <= this.position);
    const start = starts[starts.length - 1];
    if (start === undefined) return false;
    try {
      this.fd = openSync(join(this.dir, segmentName(start)), 'r');
    } catch {
      return false;
    }
    this.segmentStart = start;
    return true;
  }
}
