import type { Logger } from 'pino';
import type { NewEvent, Store } from '../store/store.js';

/**
 * The ordered write path of one run's output. Lines arrive faster than one transaction each can
 * keep up with, so events that arrive within one turn of the event loop are appended in a single
 * transaction. Everything else the run writes (its thread id, its approvals) goes through the
 * same chain after the events before it, so the log reads in the order the agent spoke.
 */
export class RunOutput {
  private pending: NewEvent[] = [];
  private writes: Promise<unknown> = Promise.resolve();
  private flushScheduled = false;

  constructor(
    private readonly store: Store,
    private readonly sessionId: string,
    private readonly runId: string,
    private readonly log: Logger,
  ) {}

  push(events: NewEvent[]): void {
    if (events.length === 0) return;
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

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.writes = this.writes
      .then(() => this.store.appendEvents(this.sessionId, this.runId, batch))
      .catch((err: unknown) => this.log.error({ err }, 'cannot store run events'));
  }
}
