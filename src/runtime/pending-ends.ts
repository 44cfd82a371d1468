import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { EndNotWrittenError, writeEnd, type RunEnd } from './run-end.js';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/**
 * Ends of runs that are over but could not be written (the store could not write: a full disk).
 * Such a run stays `running` in the database, and so holds its session's lane, until its end is
 * written; its worker is free meanwhile. The write is tried again as soon as the store has
 * committed anything else (it can write again), and on a backoff timer up to 30 s in case nothing
 * else writes. Every attempt is logged: nothing is retried unseen, and only the record of the end
 * is retried — never the run.
 */
export class PendingEnds {
  private readonly ends = new Map<string, { end: RunEnd; attempts: number }>();
  private timer: NodeJS.Timeout | undefined;
  private delayMs = FIRST_RETRY_MS;
  private writing = false;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    /** Called after an end was written: its session's lane is free. */
    private readonly onWritten: () => void,
  ) {}

  add(end: RunEnd, cause: unknown): void {
    this.ends.set(end.runId, { end, attempts: 0 });
    this.log.error({ err: cause, run_id: end.runId, to: end.to }, 'cannot write the end of a run; it stays running, holding its session, until the store can write again');
    this.delayMs = FIRST_RETRY_MS;
    this.schedule();
  }

  get(runId: string): RunEnd | undefined {
    return this.ends.get(runId)?.end;
  }

  /** The store just committed something: it can write, so try now (on a later turn, never inside a commit). */
  nudge(): void {
    if (this.ends.size === 0 || this.closed) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    setImmediate(() => void this.writeAll());
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.writeAll();
    }, this.delayMs);
    this.timer.unref();
    this.delayMs = Math.min(MAX_RETRY_MS, this.delayMs * 2);
  }

  private async writeAll(): Promise<void> {
    if (this.writing || this.closed) return;
    this.writing = true;
    let wrote = false;
    try {
      for (const [runId, entry] of [...this.ends]) {
        entry.attempts += 1;
        try {
          await writeEnd(this.store, entry.end, this.log);
          this.ends.delete(runId);
          wrote = true;
          this.log.warn({ run_id: runId, to: entry.end.to, attempts: entry.attempts }, 'wrote the end of a run once the store could write again');
        } catch (err) {
          const cause = err instanceof EndNotWrittenError ? err.cause : err;
          this.log.warn({ err: cause, run_id: runId, attempts: entry.attempts, next_try_ms: this.delayMs }, 'still cannot write the end of a run');
          break;
        }
      }
    } finally {
      this.writing = false;
    }
    if (wrote) this.onWritten();
    if (this.ends.size > 0) this.schedule();
    else this.delayMs = FIRST_RETRY_MS;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }
}
