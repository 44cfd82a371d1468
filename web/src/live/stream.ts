/**
 * The page's one live stream: every event of every session the user may see (`GET /stream`), over
 * server-sent events with the session cookie. It never loses an event and never delivers one twice:
 *
 * - it starts after a cursor (the end of the log when the page loaded its lists) and remembers the
 *   id of the last event it delivered;
 * - on a dropped connection or a daemon restart, `EventSource` reconnects by itself and sends that
 *   id as `Last-Event-ID`; agentd replays everything after it;
 * - when `EventSource` gives up (an HTTP error, e.g. a proxy's 502) or the connection went silent
 *   (a laptop that slept: no heartbeat for two intervals), it is replaced by a new one that starts
 *   at `?cursor=<last id>`, after a backoff with jitter like agentctl's;
 * - an event whose `seq` its session already delivered is dropped, whatever happened in between.
 *
 * Events reach the app in batches (at most one every 30 ms), so a replay of thousands of events
 * costs a few renders, not thousands.
 */
import type { TypedEvent } from '../../../src/protocol/events.js';
import type { StreamControlFrame } from '../../../src/protocol/stream-frames.js';
import { BASE_URL } from '../api.js';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'ended';

export interface LiveStreamOptions {
  /** Start strictly after this event id (null: from the first event). */
  cursor: string | null;
  onEvents(events: TypedEvent[]): void;
  onState(state: ConnectionState): void;
  /** The stream ended for good: signed out, token revoked, or no longer authorised. */
  onEnded(reason: string): void;
  /**
   * Retention deleted events after the cursor while the page was away (`410 cursor_expired`): what
   * it missed is gone, so its owner must read its lists afresh and open a new stream.
   */
  onExpired(): void;
}

const CONTROL_TYPES: StreamControlFrame['type'][] = ['stream.opened', 'stream.heartbeat', 'stream.overflow', 'stream.closed'];
const FLUSH_MS = 30;
const DEFAULT_HEARTBEAT_MS = 15_000;

export class LiveStream {
  private source: EventSource | undefined;
  private cursor: string | null;
  private state: ConnectionState = 'connecting';
  private readonly delivered = new Map<string, number>();
  private batch: TypedEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private failures = 0;
  private lastFrameAt = Date.now();
  private lastHeartbeatAt = 0;
  private heartbeatMs = DEFAULT_HEARTBEAT_MS;
  private stopped = false;

  constructor(private readonly opts: LiveStreamOptions) {
    this.cursor = opts.cursor;
  }

  /** The id of the last event delivered: where a new connection resumes. */
  get position(): string | null {
    return this.cursor;
  }

  start(): void {
    this.open();
    addEventListener('online', this.onOnline);
    addEventListener('offline', this.onOffline);
    document.addEventListener('visibilitychange', this.onVisible);
    this.watchdog = setInterval(() => this.checkAlive(), 2_000);
  }

  stop(): void {
    this.stopped = true;
    this.source?.close();
    this.source = undefined;
    clearTimeout(this.retryTimer);
    clearTimeout(this.flushTimer);
    clearInterval(this.watchdog);
    removeEventListener('online', this.onOnline);
    removeEventListener('offline', this.onOffline);
    document.removeEventListener('visibilitychange', this.onVisible);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state || this.stopped) return;
    this.state = state;
    this.opts.onState(state);
  }

  private url(): URL {
    const url = new URL('stream', BASE_URL);
    if (this.cursor) url.searchParams.set('cursor', this.cursor);
    return url;
  }

  private open(): void {
    this.source?.close();
    clearTimeout(this.retryTimer);
    const source = new EventSource(this.url());
    this.source = source;
    this.lastFrameAt = Date.now();
    source.onmessage = (message) => {
      this.lastFrameAt = Date.now();
      this.receive(JSON.parse(message.data as string) as TypedEvent);
    };
    for (const type of CONTROL_TYPES) {
      source.addEventListener(type, (message) => {
        this.lastFrameAt = Date.now();
        this.control(JSON.parse((message as MessageEvent).data as string) as StreamControlFrame);
      });
    }
    source.onerror = () => {
      if (source !== this.source) return;
      this.flush();
      // CONNECTING: the browser retries by itself, resuming with Last-Event-ID.
      if (source.readyState === EventSource.CONNECTING) return this.setState(navigator.onLine ? 'reconnecting' : 'offline');
      // CLOSED: it gave up (an HTTP error). Find out why before trying again.
      this.source = undefined;
      void this.afterGiveUp();
    };
  }

  private receive(event: TypedEvent): void {
    const seen = this.delivered.get(event.session_id) ?? 0;
    this.cursor = event.id;
    if (event.seq <= seen) return;
    this.delivered.set(event.session_id, event.seq);
    this.batch.push(event);
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.opts.onEvents(batch);
  }

  private control(frame: StreamControlFrame): void {
    switch (frame.type) {
      case 'stream.opened':
        this.failures = 0;
        this.setState('live');
        break;
      case 'stream.heartbeat': {
        const now = Date.now();
        // Learn the daemon's heartbeat interval, so silence is judged by its clock, not a guess.
        if (this.lastHeartbeatAt > 0) this.heartbeatMs = Math.min(DEFAULT_HEARTBEAT_MS * 4, Math.max(100, now - this.lastHeartbeatAt));
        this.lastHeartbeatAt = now;
        break;
      }
      case 'stream.overflow':
        // agentd closes the stream; EventSource reconnects from the last id by itself.
        this.flush();
        break;
      case 'stream.closed':
        this.flush();
        this.source?.close();
        this.source = undefined;
        this.setState('ended');
        this.opts.onEnded(frame.reason);
        break;
    }
  }

  /**
   * EventSource gave up without saying why. The same request, made once with fetch, says: 401 (the
   * sign-in ended), 410 (retention deleted what comes after the cursor), or anything else (agentd
   * restarting, a proxy's error, no network), which is worth another try.
   */
  private async probe(): Promise<'unauthorized' | 'expired' | 'retry'> {
    const abort = new AbortController();
    try {
      const res = await fetch(this.url(), { headers: { accept: 'text/event-stream' }, credentials: 'same-origin', cache: 'no-store', signal: abort.signal });
      return res.status === 401 ? 'unauthorized' : res.status === 410 ? 'expired' : 'retry';
    } catch {
      return 'retry';
    } finally {
      // A 200 is a stream: this probe does not read it.
      abort.abort();
    }
  }

  private async afterGiveUp(): Promise<void> {
    if (this.stopped) return;
    this.setState(navigator.onLine ? 'reconnecting' : 'offline');
    const verdict = await this.probe();
    if (this.stopped) return;
    if (verdict === 'unauthorized') {
      this.setState('ended');
      this.opts.onEnded('unauthorized');
      return;
    }
    if (verdict === 'expired') return this.opts.onExpired();
    this.failures += 1;
    const ceiling = Math.min(10_000, 250 * 2 ** Math.min(this.failures, 10));
    this.retryTimer = setTimeout(() => this.open(), ceiling / 2 + Math.random() * (ceiling / 2));
  }

  /** A connection that says nothing for two heartbeat intervals is dead, whatever the socket claims. */
  private checkAlive(): void {
    if (this.stopped || !this.source || this.state !== 'live') return;
    if (Date.now() - this.lastFrameAt > 2 * this.heartbeatMs + 2_000) {
      this.setState('reconnecting');
      this.open();
    }
  }

  private readonly onOnline = () => {
    if (this.state !== 'live' && this.state !== 'ended' && !this.stopped) this.open();
  };

  private readonly onOffline = () => this.setState('offline');

  /** Back from sleep or a background tab: a heartbeat should have come meanwhile. */
  private readonly onVisible = () => {
    if (document.visibilityState === 'visible') this.checkAlive();
  };
}
