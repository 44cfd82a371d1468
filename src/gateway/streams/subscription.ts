import { eventIdFromPosition, positionFromEventId } from '../../domain/ids.js';
import type { AgentEvent } from '../../protocol/schemas.js';
import type { StreamHub } from './hub.js';

/** What a transport (WebSocket, SSE) gives a subscription. */
export interface StreamTransport {
  sendEvent(event: AgentEvent): void;
  sendControl(frame: Record<string, unknown> & { type: string }): void;
  /** Runs `write` with the socket corked, so a batch of frames leaves in one write. */
  batch(write: () => void): void;
  /** Bytes written but not yet taken by the client's socket. */
  buffered(): number;
  /** Resolves once the socket took what was buffered (or closed). */
  drained(): Promise<void>;
  close(reason: string): void;
}

export interface SubscriptionOptions {
  hub: StreamHub;
  transport: StreamTransport;
  /** Which events this client may see (session, owner, run-token tree). */
  visible: (event: AgentEvent) => boolean;
  /** Stored events strictly after `afterPosition`, in order (already limited to the stream's scope). */
  replay: (afterPosition: number, limit: number) => Promise<AgentEvent[]>;
  maxBufferedBytes: number;
  heartbeatMs: number;
  /** Told when this stream is cut off for reading too slowly (metrics). */
  onOverflow?: (() => void) | undefined;
}

const REPLAY_PAGE = 1000;
/** Live events held while a replay runs; past this they are dropped and fetched by another replay pass. */
const MAX_HELD = 10_000;

/**
 * One client's stream: every event after its cursor, exactly once and in order, then live.
 *
 * Invariant: `position` is the global position of the last event sent (or skipped as invisible);
 * nothing at or below it is sent again. The hub sink is added BEFORE the first replay query, so an
 * event committed while the replay runs is either in a replay page or held — never missed — and the
 * position check drops whichever copy comes second.
 */
export class Subscription {
  private position: number;
  private lastSentId: string | null;
  private live = false;
  private held: AgentEvent[] = [];
  private heldOverflow = false;
  private closed = false;
  private removeSink: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Called once when the stream ends, whoever ends it. */
  onClose: (() => void) | undefined;

  constructor(private readonly opts: SubscriptionOptions, cursor: string | null) {
    this.position = cursor ? positionFromEventId(cursor)! : 0;
    this.lastSentId = cursor;
  }

  async start(resumedFrom: string | null, scope: Record<string, unknown>): Promise<void> {
    this.removeSink = this.opts.hub.add((events) => this.onLive(events));
    this.opts.transport.sendControl({ type: 'stream.opened', resumed_from: resumedFrom, ...scope });
    this.heartbeat = setInterval(() => {
      this.opts.transport.sendControl({ type: 'stream.heartbeat', ts: new Date().toISOString(), cursor: this.lastSentId });
    }, this.opts.heartbeatMs);
    this.heartbeat.unref();
    try {
      await this.catchUp();
    } catch (err) {
      this.close(`replay failed: ${(err as Error).message}`);
    }
  }

  /** Replays stored events until none are left, then switches to the live feed. */
  private async catchUp(): Promise<void> {
    for (;;) {
      const page = await this.opts.replay(this.position, REPLAY_PAGE);
      if (this.closed) return;
      // Catch-up is pulled, so it waits for a slow reader instead of cutting it off; between
      // waits, frames go out corked together rather than one write each.
      let next = 0;
      while (next < page.length && !this.closed) {
        while (this.opts.transport.buffered() > this.opts.maxBufferedBytes && !this.closed) await this.opts.transport.drained();
        this.opts.transport.batch(() => {
          while (next < page.length && this.opts.transport.buffered() <= this.opts.maxBufferedBytes) this.deliver(page[next++]!, false);
        });
      }
      if (page.length === REPLAY_PAGE) continue;
      if (this.heldOverflow) {
        // Too much arrived during the replay to hold; it is all in the store, so read on.
        this.held = [];
        this.heldOverflow = false;
        continue;
      }
      // From here to the end of this block nothing can interleave: go live atomically.
      const held = this.held;
      this.held = [];
      this.live = true;
      this.opts.transport.batch(() => {
        for (const event of held) this.deliver(event);
      });
      return;
    }
  }

  private onLive(events: readonly AgentEvent[]): void {
    if (this.closed) return;
    if (this.live) {
      this.opts.transport.batch(() => {
        for (const event of events) this.deliver(event);
      });
      return;
    }
    for (const event of events) {
      if (this.held.length >= MAX_HELD) this.heldOverflow = true;
      else this.held.push(event);
    }
  }

  private deliver(event: AgentEvent, pushed = true): void {
    if (this.closed) return;
    const position = positionFromEventId(event.id)!;
    if (position <= this.position) return;
    this.position = position;
    if (!this.opts.visible(event)) return;
    // Backpressure on live pushes: a client that does not read is cut off, not buffered without
    // bound. It resumes from its cursor and loses nothing.
    if (pushed && this.opts.transport.buffered() > this.opts.maxBufferedBytes) {
      this.opts.transport.sendControl({ type: 'stream.overflow', resume_cursor: this.lastSentId, reason: 'client is not reading fast enough; reconnect with this cursor' });
      this.close('buffer limit exceeded');
      this.opts.onOverflow?.();
      return;
    }
    this.opts.transport.sendEvent(event);
    this.lastSentId = event.id;
  }

  /** The cursor a client should resume from. */
  get cursor(): string | null {
    return this.lastSentId ?? (this.position > 0 ? eventIdFromPosition(this.position) : null);
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.removeSink?.();
    clearInterval(this.heartbeat);
    this.held = [];
    this.opts.transport.close(reason);
    this.onClose?.();
  }
}
