/**
 * A clock that moves only when the test says so, for the delivery worker: a day of retries is
 * walked in a few steps, and a test can show that nothing happens a millisecond before it is due.
 * Its time starts an hour after the real one: what the store commits (on the real clock) is due
 * at once.
 */
import type { Clock } from '../../src/notifications/clock.js';

export class FakeClock implements Clock {
  private time: number;
  private readonly timers: { at: number; fn: () => void }[] = [];

  constructor(start = Date.now() + 60 * 60 * 1000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.time + ms, fn };
    this.timers.push(timer);
    return () => {
      const i = this.timers.indexOf(timer);
      if (i >= 0) this.timers.splice(i, 1);
    };
  }

  /** Moves to `at` and fires, in time order, every timer due by then. */
  advanceTo(at: number): void {
    if (at < this.time) throw new Error('the fake clock never goes back');
    this.time = at;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= at).sort((a, b) => a.at - b.at)[0];
      if (!due) return;
      this.timers.splice(this.timers.indexOf(due), 1);
      due.fn();
    }
  }

  advance(ms: number): void {
    this.advanceTo(this.time + ms);
  }
}
