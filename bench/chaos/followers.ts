/**
 * Clients that follow event streams by cursor across daemon restarts and record every event they
 * receive, for the audit to compare with the stored log. SSE goes through agentctl's own follower
 * (src/client/stream-client.ts: Last-Event-ID, backoff); WebSocket through the tests' recorder
 * (test/support/stream-clients.ts), reconnected here with `?cursor=` after every close.
 */
import { followStream } from '../../src/client/stream-client.js';
import { openWs } from '../../test/support/stream-clients.js';
import type { StreamEvent } from '../support/stream-watch.js';
import { pause, type Random } from './random.js';

export type Transport = 'sse' | 'ws';

export interface Follower {
  /** e.g. "ws ses_…" or "sse global". */
  readonly name: string;
  readonly transport: Transport;
  /** null: the global stream (every session). */
  readonly sessionId: string | null;
  /** Every event frame received, in arrival order, over all connections. */
  readonly received: StreamEvent[];
  /** Streams opened after the first. */
  reconnects: number;
  /** `stream.overflow` frames received (a slow reader cut off; it resumes like after a restart). */
  overflows: number;
  /** Refusals no reconnect can fix (4xx): the follower stopped. */
  readonly errors: string[];
  /** Settles once the follower has stopped (after `stop` aborted, or on a refusal). */
  readonly done: Promise<void>;
}

export function follow(transport: Transport, url: string, sessionId: string | null, stop: AbortSignal, random: Random): Follower {
  const follower = {
    name: `${transport} ${sessionId ?? 'global'}`,
    transport,
    sessionId,
    received: [] as StreamEvent[],
    reconnects: 0,
    overflows: 0,
    errors: [] as string[],
    done: Promise.resolve(),
  };
  const run = transport === 'sse' ? followSse(url, follower, stop) : followWs(url, follower, stop, random);
  follower.done = run.catch((err: unknown) => {
    follower.errors.push(err instanceof Error ? err.message : String(err));
  });
  return follower;
}

function followSse(url: string, follower: Follower, stop: AbortSignal): Promise<void> {
  let opened = 0;
  return followStream({
    url,
    sessionId: follower.sessionId ?? undefined,
    signal: stop,
    // A restarted daemon is back within about a second; a long backoff would only slow the run down.
    maxBackoffMs: 1000,
    onEvent: (event) => follower.received.push(event as StreamEvent),
    onControl: (frame) => {
      if (frame.type === 'stream.overflow') follower.overflows++;
      // Counted on open, like WebSocket below: attempts against a daemon that is still down are not reconnects.
      if (frame.type === 'stream.opened' && opened++ > 0) follower.reconnects++;
    },
  });
}

async function followWs(url: string, follower: Follower, stop: AbortSignal, random: Random): Promise<void> {
  const path = follower.sessionId ? `/sessions/${encodeURIComponent(follower.sessionId)}/stream` : '/stream';
  let cursor: string | undefined;
  let opened = false;
  while (!stop.aborted) {
    let connection: Awaited<ReturnType<typeof openWs>>;
    try {
      connection = await openWs(url + path + (cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''));
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status !== undefined && status < 500) throw new Error(`${follower.name}: stream refused with ${status}: ${JSON.stringify((err as { body?: unknown }).body)}`);
      await pause(random.int(50, 300), stop);
      continue;
    }
    if (opened) follower.reconnects++;
    opened = true;
    const { socket, frames } = connection;
    // After open, a reset must not become an unhandled 'error': the close that follows is what we wait for.
    socket.on('error', () => {});
    let consumed = 0;
    const consume = () => {
      for (; consumed < frames.length; consumed++) {
        const frame = frames[consumed];
        if (typeof frame.seq === 'number') {
          follower.received.push(frame as StreamEvent);
          cursor = frame.id;
        } else if (frame.type === 'stream.overflow') follower.overflows++;
      }
    };
    // openWs records each frame before this listener runs (it registered first).
    socket.on('message', consume);
    consume();
    const onStop = () => socket.terminate();
    stop.addEventListener('abort', onStop, { once: true });
    if (stop.aborted) onStop();
    await connection.closed;
    stop.removeEventListener('abort', onStop);
    consume();
    await pause(random.int(50, 300), stop);
  }
}
