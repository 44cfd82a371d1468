import { performance } from 'node:perf_hooks';

/** How long catch-up may run before it lets the event loop serve I/O again. */
const TURN_MS = 10;

/**
 * Catch-up turns: store reads are synchronous, so streams catching up take turns with everything
 * else the daemon does. A stream asking for its next page continues at once while the current
 * turn is younger than TURN_MS — a catch-up that flows goes through at full speed, page after page,
 * as one stream, as fewer interleaved catch-ups hold less in flight — and otherwise waits for a
 * later turn of the event loop, in order of asking (oldest first), after the network was polled.
 */
export class ReplayTurns {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;
  private turnStartedAt = -Infinity;

  /** Resolves now if this turn has time left, else on a later turn of the event loop. */
  next(): Promise<void> {
    if (this.waiting.length === 0 && performance.now() - this.turnStartedAt < TURN_MS) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.turnStartedAt = performance.now();
      this.waiting.shift()?.();
      if (this.waiting.length > 0) this.schedule();
    });
  }
}
