/**
 * The idle limit of one run: fires when the agent printed nothing for `limitS` seconds. Output
 * re-arms it; it can be paused (while the agent waits for an approval) and resumed with a full
 * period. A limit of 0 disables it.
 */
export class IdleTimer {
  private timer: NodeJS.Timeout | undefined;
  private paused = false;
  private stopped = true;

  constructor(
    private readonly limitS: number,
    private readonly onIdle: () => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.arm();
  }

  /** Output arrived. */
  touch(): void {
    if (!this.paused && !this.stopped) this.arm();
  }

  pause(): void {
    this.paused = true;
    this.clear();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.stopped) this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  /** A cleared timeout cannot be refreshed back to life; drop it so the next arm makes a new one. */
  private clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.limitS <= 0) return;
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.onIdle(), this.limitS * 1000);
  }
}
