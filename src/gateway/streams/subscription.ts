import { eventIdFromPosition, positionFromEventId } from '../../domain/ids.js';
import { eventJson, type StoredFrame } from '../../protocol/event-json.js';
import type { AgentEvent } from '../../protocol/schemas.js';
import type { StreamBudget } from './budget.js';
import type { StreamHub } from './hub.js';
import type { ReplayTurns } from './replay-turns.js';
import type { StreamClosedReason, StreamControlFrame } from '../../protocol/stream-frames.js';

/**
 * Why the daemon ends a stream; transports turn it into a WebSocket close code or the end of an
 * SSE response. `overflow`, `stalled` and `evicted` tell the client to resume from its cursor.
 */
export type CloseKind = 'overflow' | 'stalled' | 'evicted' | 'going_away' | 'restart' | 'error' | 'client_gone' | 'credential_ended';

/** Why a stream was ended for good: its credential no longer holds, so reconnecting with it is refused. */
export type StreamEnd = StreamClosedReason;

/** What a transport (WebSocket, SSE) gives a subscription. */
export interface StreamTransport {
  /** An event frame: its id (the cursor) and its wire JSON (text, or UTF-8 bytes). */
  sendEvent(id: string, json: string | Buffer): void;
  sendControl(frame: StreamControlFrame): void;
  /** Runs `write` with the socket corked, so a batch of frames leaves in one write. */
  batch(write: () => void): void;
  /** Bytes written but not yet taken by the client's socket. */
  buffered(): number;
  /** Resolves once everything written so far reached the kernel (or the socket closed). */
  drained(): Promise<void>;
  /** The connection is gone (its close event may not have been handled yet). */
  gone(): boolean;
  close(kind: CloseKind, reason: string): void;
}

export interface SubscriptionOptions {
  hub: StreamHub;
  transport: StreamTransport;
  /** Unread bytes of all streams together. */
  budget: StreamBudget;
  /** Whose turn it is to read a page of catch-up. */
  turns: ReplayTurns;
  /** Whether this client may see the events of a session (its session, owner, run-token tree). */
  visible: (sessionId: string) => boolean;
  /** Stored events strictly after `afterPosition`, in order (already limited to the stream's scope). */
  replay: (afterPosition: number, limit: number) => Promise<StoredFrame[]>;
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

/** Events per catch-up page at most, and at least (so tiny reads do not dominate). */
const REPLAY_PAGE = 1000;
const MIN_REPLAY_PAGE = 16;
/** Live events held while a replay runs; past this they are dropped and fetched by another replay pass. */
const MAX_HELD = 1000;

/**
 * One client's stream: every event after its cursor, exactly once and in order, then live.
 *
 * Invariant: `position` is the global position of the last event sent (or skipped as invisible);
 * nothing at or below it is sent again. The hub sink is added BEFORE the first replay query, so an
 * event committed while the replay runs is either in a replay page or held — never missed — and the
 * position check drops whichever copy comes second.
 *
 * Memory: what the daemon holds for a client is its unread bytes, at most `maxBufferedBytes` (and
 * all clients together at most the budget's limit) plus a bounded list of held ids. A catch-up that
 * must wait for a slow reader drops the rest of its page and reads it again afterwards, rather
 * than holding a page per waiting client.
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
  /** A flush requested at the last heartbeat has not completed yet. */
  private flushPending = false;
  /** Mean size of the events replayed so far, to read about as much as the client has room for. */
  private meanEventBytes = 1024;
  /** Called once when the stream ends, whoever ends it. */
  onClose: (() => void) | undefined;
  private readonly member = {
    buffered: () => this.opts.transport.buffered(),
    evict: () => this.cutOff('evicted', 'the daemon is holding too much unread data for its streams; reconnect with this cursor'),
  };

  constructor(private readonly opts: SubscriptionOptions, cursor: string | null) {
    this.position = cursor ? positionFromEventId(cursor)! : 0;
    this.lastSentId = cursor;
  }

  async start(resumedFrom: string | null, scope: { session_id?: string | null }): Promise<void> {
    this.removeSink = this.opts.hub.add((events) => this.onLive(events));
    this.opts.budget.add(this.member);
    this.opts.transport.sendControl({ type: 'stream.opened', resumed_from: resumedFrom, session_id: scope.session_id ?? null });
    this.heartbeat = setInterval(() => this.beat(), this.opts.heartbeatMs);
    this.heartbeat.unref();
    try {
      await this.catchUp();
    } catch (err) {
      this.close('error', `replay failed: ${(err as Error).message}`);
    }
  }

  /**
   * Proof of life for the client, and a check on it: bytes that were waiting at the previous beat
   * and still have not reached the client's socket mean it stopped reading. It is cut off then,
   * over SSE as over WebSocket (where missing pongs catch it too).
   */
  private beat(): void {
    if (this.closed) return;
    if (this.opts.transport.buffered() > 0) {
      if (this.flushPending) {
        this.cutOff('stalled', 'client stopped reading; reconnect with this cursor');
        return;
      }
      this.flushPending = true;
      void this.opts.transport.drained().then(() => (this.flushPending = false));
    }
    this.opts.transport.sendControl({ type: 'stream.heartbeat', ts: new Date().toISOString(), cursor: this.lastSentId });
  }

  /** Whether this stream may write more now: its client has not left more than its limit unread. */
  private roomToWrite(): boolean {
    return this.opts.transport.buffered() <= this.opts.maxBufferedBytes;
  }

  /** Replays stored events until none are left, then switches to the live feed. */
  private async catchUp(): Promise<void> {
    for (;;) {
      // Catch-up is pulled: it waits for a slow reader instead of cutting it off, and holds no
      // page while it waits.
      while (!this.roomToWrite() && !this.closed && !this.opts.transport.gone()) await this.opts.transport.drained();
      if (this.opts.transport.gone()) this.close('client_gone', 'client went away');
      if (this.closed) return;
      // Pages are read in turns shared by every stream: the store reads are synchronous, and
      // catch-ups must not keep every other request waiting until they are done.
      await this.opts.turns.next();
      if (this.closed) return;
      // A page is what fits in the client's room, not more: what does not fit would be read again,
      // and a thousand 200 kB events held at once would be 200 MB for one client.
      const room = this.opts.maxBufferedBytes - this.opts.transport.buffered();
      const want = Math.max(MIN_REPLAY_PAGE, Math.min(REPLAY_PAGE, Math.ceil(room / this.meanEventBytes)));
      const page = await this.opts.replay(this.position, want);
      if (this.closed) return;
      if (page.length > 0) {
        let bytes = 0;
        for (const frame of page) bytes += frame.json.length;
        this.meanEventBytes = Math.max(64, Math.round((this.meanEventBytes + bytes / page.length) / 2));
      }
      let next = 0;
      this.opts.transport.batch(() => {
        while (next < page.length && this.roomToWrite()) this.deliverStored(page[next++]!);
      });
      this.opts.budget.note(this.member, this.opts.transport.buffered());
      // Past the position a stream ends at, nothing is sent (nor does `position` move): stop paging.
      const last = page[page.length - 1];
      const pastEnd = this.endPosition !== undefined && last !== undefined && last.position >= this.endPosition;
      // Stopped early for a slow reader: the rest is read again from `position` after the wait.
      if (next < page.length || (page.length === want && !pastEnd)) continue;
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
        for (const event of held) this.deliverLive(event);
      });
      this.opts.budget.note(this.member, this.opts.transport.buffered());
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
        for (const event of events) this.deliverLive(event);
      });
      if (!this.closed) this.opts.budget.note(this.member, this.opts.transport.buffered());
      this.endIfDue();
      return;
    }
    for (const event of events) {
      if (this.held.length >= MAX_HELD) this.heldOverflow = true;
      else this.held.push(event);
    }
  }

  /**
   * Whether the event at `position` goes to this client now; moves `position` past it when it is
   * new, whether or not the client may see it.
   */
  private admit(position: number, sessionId: string, pushed: boolean): boolean {
    if (this.closed || position <= this.position) return false;
    if (this.endPosition !== undefined && position > this.endPosition) return false;
    // Backpressure on live pushes: a client that does not read is cut off, not buffered without
    // bound. It resumes from its cursor and loses nothing.
    if (pushed && !this.roomToWrite()) {
      this.cutOff('overflow', 'client is not reading fast enough; reconnect with this cursor');
      return false;
    }
    this.position = position;
    return this.opts.visible(sessionId);
  }

  private deliverLive(event: AgentEvent): void {
    if (this.admit(positionFromEventId(event.id)!, event.session_id, true)) this.send(event.id, eventJson(event));
  }

  private deliverStored(frame: StoredFrame): void {
    if (this.admit(frame.position, frame.session_id, false)) this.send(frame.id, frame.json);
  }

  private send(id: string, json: string | Buffer): void {
    this.opts.transport.sendEvent(id, json);
    this.lastSentId = id;
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
    this.close('credential_ended', detail);
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

  /** Ends the stream with `stream.overflow` and the cursor to resume from. */
  private cutOff(kind: 'overflow' | 'stalled' | 'evicted', reason: string): void {
    if (this.closed) return;
    if (kind !== 'evicted') this.opts.transport.sendControl({ type: 'stream.overflow', resume_cursor: this.lastSentId, reason });
    this.close(kind, reason);
    this.opts.onOverflow?.();
  }

  close(kind: CloseKind, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.removeSink?.();
    this.opts.budget.remove(this.member);
    clearInterval(this.heartbeat);
    this.held = [];
    this.opts.transport.close(kind, reason);
    this.onClose?.();
  }
}
