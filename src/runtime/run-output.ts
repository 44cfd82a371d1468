import type { Logger } from 'pino';
import type { NewEvent, Store } from '../store/store.js';

/**
 * The ordered write path of one run's output. Lines arrive faster than one transaction each can
 * keep up with, so events that arrive within one turn of the event loop are appended in a single
 * transaction. Everything else the run writes (its thread id, its approvals) goes through the
 * same chain after the events before it, so the log reads in the order the agent spoke.
 *
 * A batch that cannot be stored (a full disk) is lost with its transaction's rollback. The run's
 * output then has a hole, so none of what comes after is stored either, and `onFailure` is told
 * once (the run is stopped and fails). Chained writes (`then`) still run: they close what the run
 * holds open, and their failures are their callers'.
 */
export class RunOutput {
  private pending: NewEvent[] = [];
  private writes: Promise<unknown> = Promise.resolve();
  private flushScheduled = false;
  private failed = false;

  constructor(
    private readonly store: Store,
    private readonly sessionId: string,
    private readonly runId: string,
    private readonly log: Logger,
    private readonly onFailure: (err: unknown) => void = () => undefined,
  ) {}

  push(events: NewEvent[]): void {
    if (events.length === 0 || this.failed) return;
    this.pending.push(...events);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Runs `write` after every event pushed so far is stored; its failure is the caller's. */
  then<T>(write: () => Promise<T>): Promise<T> {
    this.flush();
    const result = this.writes.then(write);
    this.writes = result.catch(() => undefined);
    return result;
  }

  /** Settles once everything pushed or chained so far is written (or failed and logged). */
  async settled(): Promise<void> {
    this.flush();
    await this.writes;
  }

  /** The run's output could not be stored (by this chain or a write of the caller's): store no more of it. */
  fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.pending = [];
    this.log.error({ err }, 'cannot store the output of a run; stopping it, it will fail');
    this.onFailure(err);
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.writes = this.writes
      .then(() => (this.failed ? undefined : this.store.appendEvents(this.sessionId, this.runId, batch)))
      .catch((err: unknown) => this.fail(err));
  }
}
