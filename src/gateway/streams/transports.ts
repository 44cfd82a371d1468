import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { CloseKind, StreamTransport } from './subscription.js';

/** WebSocket close code of a stream whose credential ended: a reconnect with it would get 401. */
export const WS_CLOSE_CREDENTIAL_ENDED = 4401;

/** Close code for a reader cut off by backpressure: reconnect with the cursor and lose nothing. */
export const WS_CLOSE_OVERFLOW = 4008;

/** How long a stopping daemon lets a WebSocket client answer its close frame. */
const SHUTDOWN_LINGER_MS = 1000;

/** WebSocket close codes by why the daemon ends a stream (RFC 6455 §7.4.1, IANA registry). */
const WS_CLOSE_CODES: Record<CloseKind, number> = {
  overflow: WS_CLOSE_OVERFLOW,
  stalled: WS_CLOSE_OVERFLOW,
  evicted: WS_CLOSE_OVERFLOW,
  going_away: 1001,
  restart: 1012,
  error: 1011,
  client_gone: 1000,
  credential_ended: WS_CLOSE_CREDENTIAL_ENDED,
};

/**
 * Writes a batch of frames with the stream corked, letting them out every `flushBytes`: a batch
 * costs a few syscalls instead of one per frame, yet unsent bytes never pile up in the cork,
 * where the backpressure check would mistake them for a reader that stopped reading.
 */
class BatchWriter {
  private corkedBytes = 0;
  private inBatch = false;

  constructor(private readonly stream: Socket | ServerResponse, private readonly flushBytes: number) {}

  batch(write: () => void): void {
    this.stream.cork();
    this.inBatch = true;
    try {
      write();
    } finally {
      this.inBatch = false;
      this.corkedBytes = 0;
      this.stream.uncork();
    }
  }

  wrote(bytes: number): void {
    if (!this.inBatch) return;
    this.corkedBytes += bytes;
    if (this.corkedBytes < this.flushBytes) return;
    this.corkedBytes = 0;
    this.stream.uncork();
    this.stream.cork();
  }
}

/**
 * Resolves once everything written to `socket` so far has gone to the kernel, or it closed. An
 * empty write's callback runs after every earlier chunk was written, whatever the amount; 'drain'
 * alone would not come for a buffer under the stream's high-water mark.
 */
function flushedOf(socket: Socket, buffered: () => number): Promise<void> {
  if (socket.destroyed || buffered() === 0) return Promise.resolve();
  // Never rejects: a socket destroyed with an error (a cut-off client) is simply done.
  return new Promise<void>((resolve) => {
    const done = () => {
      socket.off('close', done);
      resolve();
    };
    socket.write('', done);
    socket.once('close', done);
  });
}

/** Destroys `socket` unless it closes by itself within `ms`: a client cut off gets that long to read what it was sent. */
function destroyAfter(socket: Socket, ms: number): void {
  if (socket.destroyed) return;
  const timer = setTimeout(() => evict(socket), ms);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/**
 * Destroys a connection to free what it holds now. With an error, the writes still queued on it
 * all fail with that one error; without, each queued chunk gets a new error with a stack trace,
 * which for a reader cut off with thousands of chunks unread cost more than the stream itself.
 */
function evict(socket: Socket): void {
  socket.destroy(Object.assign(new Error('stream cut off: the daemon holds too much unread data'), { code: 'ECONNRESET' }));
}

/** `netSocket` is the upgraded connection under the WebSocket, whose drain paces catch-up. */
export function webSocketTransport(socket: WebSocket, netSocket: Socket, flushBytes: number, lingerMs: number): StreamTransport {
  const writer = new BatchWriter(netSocket, flushBytes);
  const buffered = () => socket.bufferedAmount;
  return {
    drained: () => flushedOf(netSocket, buffered),
    gone: () => netSocket.destroyed,
    sendEvent: (_id, json) => {
      // A Buffer is the event's UTF-8 text (a replay): sent as a text frame, without a copy.
      socket.send(json, { binary: false });
      writer.wrote(json.length);
    },
    sendControl: (frame) => socket.send(JSON.stringify(frame)),
    batch: (write) => writer.batch(write),
    buffered,
    close: (kind, reason) => {
      if (kind === 'evicted') {
        evict(netSocket);
        return;
      }
      if (socket.readyState !== socket.OPEN) return;
      socket.close(WS_CLOSE_CODES[kind], reason.slice(0, 120));
      // `ws` waits up to 30 s for the client's close frame; a client that does not read would hold
      // its unread bytes that long, and a stopping daemon with it.
      destroyAfter(netSocket, kind === 'going_away' || kind === 'restart' ? Math.min(lingerMs, SHUTDOWN_LINGER_MS) : lingerMs);
    },
  };
}

/**
 * Server-sent events. Agent events carry `id:` (the cursor, so EventSource's Last-Event-ID resumes
 * exactly) and no `event:` name; control frames are named events (`stream.heartbeat`, …) without
 * `id:`, so they never move the client's resume point — but parsers do see them, unlike comments.
 *
 * A batch of frames is joined into one string and written every `flushBytes`: each `write` of a
 * chunked response is four buffered chunks, and one per frame made a cut-off reader's buffer
 * thousands of chunks.
 */
export function sseTransport(res: ServerResponse, flushBytes: number, retryMs: number, lingerMs: number): StreamTransport {
  const socket = res.socket!;
  let parts: (string | Buffer)[] = [];
  let pendingBytes = 0;
  let inBatch = false;
  const buffered = () => res.writableLength + pendingBytes;
  const add = (part: string | Buffer) => {
    parts.push(part);
    pendingBytes += part.length;
  };
  const flush = () => {
    if (parts.length === 0) return;
    const chunk = parts.every((p) => typeof p === 'string')
      ? parts.join('')
      : Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
    parts = [];
    pendingBytes = 0;
    if (!res.writableEnded && !socket.destroyed) res.write(chunk);
  };
  // The reconnect delay rides in the first block (stream.opened): a block holding only `retry:`
  // is handed to some clients as an empty message.
  let retry = `retry: ${retryMs}\n`;
  return {
    drained: () => flushedOf(socket, buffered),
    gone: () => socket.destroyed,
    sendEvent: (id, json) => {
      add(`id: ${id}\ndata: `);
      add(json);
      add('\n\n');
      if (!inBatch || pendingBytes >= flushBytes) flush();
    },
    batch: (write) => {
      socket.cork();
      inBatch = true;
      try {
        write();
      } finally {
        inBatch = false;
        flush();
        socket.uncork();
      }
    },
    sendControl: (frame) => {
      add(`${retry}event: ${frame.type}\ndata: ${JSON.stringify(frame)}\n\n`);
      retry = '';
      if (!inBatch) flush();
    },
    buffered,
    close: (kind) => {
      flush();
      if (kind === 'evicted') {
        evict(socket);
        return;
      }
      // The chunked body's end: the client sees a complete response, not a reset.
      if (!res.writableEnded) res.end();
      if (kind !== 'going_away' && kind !== 'restart') destroyAfter(socket, lingerMs);
    },
  };
}

/**
 * The response head of an SSE stream; written by hand, as the reply is hijacked from fastify.
 * `headers`: what hooks already set on the reply (CORS), which a hijacked response would otherwise lose.
 */
export function startSse(res: ServerResponse, requestId: string, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': requestId,
  });
}
