import { eventIdFromPosition, positionFromEventId } from '../../domain/ids.js';
import type { AgentEvent } from '../../protocol/schemas.js';
import type { StreamHub } from './hub.js';
import type { StreamClosedReason, StreamControlFrame } from '../../protocol/stream-frames.js';

/** What a transport (WebSocket, SSE) gives a subscription. */
export interface StreamTransport {
  sendEvent(event: AgentEvent): void;
  sendControl(frame: StreamControlFrame): void;
  /** Runs `write` with the socket corked, so a batch of frames leaves in one write. */
  batch(write: () => void): void;
  /** Bytes written but not yet taken by the client's socket. */
  buffered(): number;
  /** Resolves once the socket took what was buffered (or closed). */
  drained(): Promise<void>;
  /** `code`: the WebSocket close code, when the reason calls for a particular one. */
  close(reason: string, code?: number): void;
}

/** Why a stream was ended for good: its credential no longer holds, so reconnecting with it is refused. */
export type StreamEnd = StreamClosedReason;

/** WebSocket close code of a stream whose credential ended: a reconnect with it would get 401. */
export const WS_CLOSE_CREDENTIAL_ENDED = 4401;

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
  /** The credential that opened it (a token's fingerprint, a sign-in's hash), so revoking it can end the stream. */
  credential?: { tokenId: string | null; signIn: string | null };
  /**
   * An event after whose commit the stream ends (a run token's run leaving `running`). Checked on
   * every committed event, visible or not; the stream sends what was committed up to and with it.
   */
  endsAfter?: { match: (event: AgentEvent) => boolean; reason: StreamEnd; detail: string };
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
  /** Set once `endsAfter` matched: nothing past this position is sent, and the stream ends there. */
  private endPosition: number | undefined;
  private removeSink: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Called once when the stream ends, whoever ends it. */
  onClose: (() => void) | undefined;

  constructor(private readonly opts: SubscriptionOptions, cursor: string | null) {
    this.position = cursor ? positionFromEventId(cursor)! : 0;
    this.lastSentId = cursor;
  }

  async start(resumedFrom: string | null, scope: { session_id?: string | null }): Promise<void> {
    this.removeSink = this.opts.hub.add((events) => this.onLive(events));
    this.opts.transport.sendControl({ type: 'stream.opened', resumed_from: resumedFrom, session_id: scope.session_id ?? null });
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
      // Past the position a stream ends at, nothing is sent (nor does `position` move): stop paging.
      const last = page[page.length - 1];
      const pastEnd = this.endPosition !== undefined && last !== undefined && positionFromEventId(last.id)! >= this.endPosition;
      if (page.length === REPLAY_PAGE && !pastEnd) continue;
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
      this.endIfDue();
      return;
    }
  }

  private onLive(events: readonly AgentEvent[]): void {
    if (this.closed || this.endPosition !== undefined) return;
    const until = this.opts.endsAfter;
    // The whole committed batch that ends it is still sent: the run's last events belong to it.
    if (until && events.some(until.match)) this.endPosition = positionFromEventId(events[events.length - 1]!.id)!;
    if (this.live) {
      this.opts.transport.batch(() => {
        for (const event of events) this.deliver(event);
      });
      this.endIfDue();
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
    if (position <= this.position || (this.endPosition !== undefined && position > this.endPosition)) return;
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

  private endIfDue(): void {
    const until = this.opts.endsAfter;
    if (until && this.endPosition !== undefined) this.end(until.reason, until.detail);
  }

  /**
   * Ends the stream for good with a `stream.closed` frame saying why (unless an end at a known
   * position is already on its way, which sends the events up to it first).
   */
  end(reason: StreamEnd, detail: string): void {
    if (this.closed) return;
    this.opts.transport.sendControl({ type: 'stream.closed', reason, detail, cursor: this.lastSentId });
    this.close(detail, WS_CLOSE_CREDENTIAL_ENDED);
  }

  /** For `endsAfter`: ends now unless the matching event was already seen (then it ends after it). */
  endSoon(): void {
    if (this.endPosition === undefined && this.opts.endsAfter) this.end(this.opts.endsAfter.reason, this.opts.endsAfter.detail);
  }

  get credential(): { tokenId: string | null; signIn: string | null } | undefined {
    return this.opts.credential;
  }

  /** The cursor a client should resume from. */
  get cursor(): string | null {
    return this.lastSentId ?? (this.position > 0 ? eventIdFromPosition(this.position) : null);
  }

  close(reason: string, code?: number): void {
    if (this.closed) return;
    this.closed = true;
    this.removeSink?.();
    clearInterval(this.heartbeat);
    this.held = [];
    this.opts.transport.close(reason, code);
    this.onClose?.();
  }
}
