/**
 * Catch-up turns: every stream catching up reads its next page in turn, one page per turn of the
 * event loop across all streams. Store reads are synchronous; with hundreds of streams catching up
 * at once, a page each per turn would keep every other request waiting for seconds between two
 * polls of the network. One page per turn bounds that wait to one page, and the streams share the
 * catch-up throughput fairly, oldest request first.
 */
export class ReplayTurns {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  /** Resolves on a later turn of the event loop, when it is this caller's turn. */
  next(): Promise<void> {
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
      this.waiting.shift()?.();
      if (this.waiting.length > 0) this.schedule();
    });
  }
}
