/**
 * The delivery worker's sense of time: when a delivery is due and when to wake for the next one.
 * Injected so a test can walk a day-long retry schedule in a few milliseconds, without sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once, `ms` from now; returns a function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

/** setTimeout's longest delay; a longer wait simply wakes early and re-arms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const timer = setTimeout(fn, Math.max(0, Math.min(ms, MAX_TIMER_MS)));
    // A pending retry must not keep a stopping process alive.
    timer.unref();
    return () => clearTimeout(timer);
  },
};
