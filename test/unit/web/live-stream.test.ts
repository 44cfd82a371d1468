/**
 * The page's live stream (web/src/live/stream.ts) with a stand-in EventSource and the clock under
 * the test's control: what it does when the browser gives up, when a connection goes silent (a
 * laptop that slept), when the credential ends, and with events it already delivered.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

type Listener = (message: { data: string; lastEventId?: string }) => void;

class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static opened: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  onmessage: Listener | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  private readonly listeners = new Map<string, Listener[]>();

  constructor(readonly url: string) {
    FakeEventSource.opened.push(this);
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
    this.readyState = FakeEventSource.CLOSED;
  }

  control(frame: { type: string } & Record<string, unknown>): void {
    for (const listener of this.listeners.get(frame.type) ?? []) listener({ data: JSON.stringify(frame) });
  }

  event(seq: number, session = 'ses_a'): void {
    this.onmessage?.({ data: JSON.stringify({ id: `evt_${String(seq + 100).padStart(16, '0')}`, session_id: session, seq, type: 'message.created', ts: 't', data: {} }) });
  }

  /** The browser gave up on it (an HTTP error), or will retry by itself (a network error). */
  fail(gaveUp: boolean): void {
    this.readyState = gaveUp ? FakeEventSource.CLOSED : FakeEventSource.CONNECTING;
    this.onerror?.();
  }
}

const cursorOf = (source: FakeEventSource) => new URL(source.url).searchParams.get('cursor');

describe('the live stream of the web client', () => {
  // The module needs the DOM's types, which this compile (Node's) does not have: it is loaded by
  // a path tsc does not follow, and used through the little this test needs.
  let LiveStream: new (opts: {
    cursor: string | null;
    onEvents(events: { seq: number }[]): void;
    onState(state: string): void;
    onEnded(reason: string): void;
    onExpired(): void;
  }) => { start(): void; stop(): void };
  /** What agentd answers the stream request that follows EventSource giving up. */
  let answer = 503;
  const probes: string[] = [];
  beforeAll(async () => {
    // The page's globals, before the module (which reads location at load) is imported.
    vi.stubGlobal('location', { href: 'http://127.0.0.1:8765/' });
    vi.stubGlobal('EventSource', FakeEventSource);
    vi.stubGlobal('document', { visibilityState: 'visible', addEventListener: () => {}, removeEventListener: () => {} });
    vi.stubGlobal('addEventListener', () => {});
    vi.stubGlobal('removeEventListener', () => {});
    vi.stubGlobal('navigator', { onLine: true });
    vi.stubGlobal('fetch', async (url: URL) => {
      probes.push(url.searchParams.get('cursor') ?? '');
      return { status: answer };
    });
    const module = '../../../web/src/live/stream.js';
    ({ LiveStream } = await import(/* @vite-ignore */ module));
  });
  afterAll(() => vi.unstubAllGlobals());
  beforeEach(() => {
    vi.useFakeTimers();
    FakeEventSource.opened = [];
    probes.length = 0;
    answer = 503;
  });
  afterEach(() => vi.useRealTimers());

  function start() {
    const batches: number[][] = [];
    const states: string[] = [];
    const ended: string[] = [];
    const expired: number[] = [];
    const stream = new LiveStream({
      cursor: 'evt_0000000000000100',
      onEvents: (events) => batches.push(events.map((e) => e.seq)),
      onState: (state) => states.push(state),
      onEnded: (reason) => ended.push(reason),
      onExpired: () => expired.push(1),
    });
    stream.start();
    return { stream, batches, states, ended, expired, current: () => FakeEventSource.opened.at(-1)! };
  }

  it('starts after its cursor, delivers events in batches, and drops one its session already delivered', () => {
    const s = start();
    expect(cursorOf(s.current())).toBe('evt_0000000000000100');
    s.current().control({ type: 'stream.opened', resumed_from: null, session_id: null });
    for (const seq of [1, 2, 3, 2, 3, 4]) s.current().event(seq);
    vi.advanceTimersByTime(50);
    expect(s.batches).toEqual([[1, 2, 3, 4]]);
    expect(s.states).toEqual(['live']);
    s.stream.stop();
  });

  it('when the browser gives up, opens a new stream after a backoff, from the last event delivered', async () => {
    const s = start();
    const first = s.current();
    first.control({ type: 'stream.opened', resumed_from: null, session_id: null });
    first.event(1);
    first.event(2);
    first.fail(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(s.states.at(-1)).toBe('reconnecting');
    expect(FakeEventSource.opened.length).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(probes).toEqual(['evt_0000000000000102']); // it asked why: a 503, worth another try
    expect(FakeEventSource.opened.length).toBe(2);
    expect(cursorOf(s.current())).toBe('evt_0000000000000102');
    // The replay repeats what was delivered before the drop: shown once.
    s.current().control({ type: 'stream.opened', resumed_from: 'evt_0000000000000102', session_id: null });
    for (const seq of [2, 3]) s.current().event(seq);
    await vi.advanceTimersByTimeAsync(50);
    expect(s.batches.flat()).toEqual([1, 2, 3]);
    expect(s.states.at(-1)).toBe('live');
    s.stream.stop();
  });

  it('a network error is left to the browser, which resumes with Last-Event-ID by itself', async () => {
    const s = start();
    s.current().control({ type: 'stream.opened', resumed_from: null, session_id: null });
    s.current().fail(false);
    await vi.advanceTimersByTimeAsync(5000);
    expect(FakeEventSource.opened.length).toBe(1);
    expect(s.states.at(-1)).toBe('reconnecting');
    s.stream.stop();
  });

  it('a connection silent for two heartbeat intervals (a laptop that slept) is replaced, from the last event', async () => {
    const s = start();
    const first = s.current();
    first.control({ type: 'stream.opened', resumed_from: null, session_id: null });
    // Heartbeats every second teach it the daemon's interval.
    for (let i = 0; i < 3; i++) {
      first.control({ type: 'stream.heartbeat', ts: 't', cursor: null });
      await vi.advanceTimersByTimeAsync(1000);
    }
    first.event(7);
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeEventSource.opened.length).toBe(1);
    // Then nothing at all, not even an error.
    await vi.advanceTimersByTimeAsync(6000);
    expect(first.closed).toBe(true);
    expect(FakeEventSource.opened.length).toBe(2);
    expect(cursorOf(s.current())).toBe('evt_0000000000000107');
    s.stream.stop();
  });

  it('stream.closed (signed out, token revoked) ends it for good: no reconnect', async () => {
    const s = start();
    s.current().control({ type: 'stream.opened', resumed_from: null, session_id: null });
    s.current().control({ type: 'stream.closed', reason: 'signed_out', detail: 'd', cursor: null });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(s.ended).toEqual(['signed_out']);
    expect(FakeEventSource.opened.length).toBe(1);
    expect(s.states.at(-1)).toBe('ended');
    s.stream.stop();
  });

  it('given up on and no longer signed in (401): it ends, rather than retrying for ever', async () => {
    answer = 401;
    const s = start();
    s.current().fail(true);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(s.ended).toEqual(['unauthorized']);
    expect(FakeEventSource.opened.length).toBe(1);
    s.stream.stop();
  });

  it('given up on because retention deleted what follows its cursor (410): its owner is told to start afresh', async () => {
    answer = 410;
    const s = start();
    s.current().fail(true);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(s.expired).toEqual([1]);
    expect(s.ended).toEqual([]);
    expect(FakeEventSource.opened.length).toBe(1);
    s.stream.stop();
  });
});
