import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { eventJson } from '../../protocol/event-json.js';
import type { AgentEvent } from '../../protocol/schemas.js';
import type { StreamTransport } from './subscription.js';

/** Close code for a reader cut off by backpressure: reconnect with the cursor and lose nothing. */
export const WS_CLOSE_OVERFLOW = 4008;

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

/** Resolves when `stream` drains or closes, whichever comes first. */
function drainOf(stream: Socket | ServerResponse): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  // Under the stream's own high-water mark no 'drain' will come; yield to I/O once instead, so
  // a waiting caller never spins on microtasks while the socket flushes.
  if (!stream.writableNeedDrain) return new Promise((resolve) => setImmediate(resolve));
  return Promise.race([once(stream, 'drain'), once(stream, 'close')]).then(() => undefined);
}

/** `netSocket` is the upgraded connection under the WebSocket, whose drain paces catch-up. */
export function webSocketTransport(socket: WebSocket, netSocket: Socket, flushBytes: number): StreamTransport {
  const writer = new BatchWriter(netSocket, flushBytes);
  return {
    drained: () => drainOf(netSocket),
    sendEvent: (event: AgentEvent) => {
      const json = eventJson(event);
      socket.send(json);
      writer.wrote(json.length);
    },
    sendControl: (frame) => socket.send(JSON.stringify(frame)),
    batch: (write) => writer.batch(write),
    buffered: () => socket.bufferedAmount,
    close: (reason) => {
      if (socket.readyState === socket.OPEN) socket.close(reason === 'buffer limit exceeded' ? WS_CLOSE_OVERFLOW : 1000, reason.slice(0, 120));
    },
  };
}

/**
 * Server-sent events. Agent events carry `id:` (the cursor, so EventSource's Last-Event-ID resumes
 * exactly) and no `event:` name; control frames are named events (`stream.heartbeat`, …) without
 * `id:`, so they never move the client's resume point — but parsers do see them, unlike comments.
 */
export function sseTransport(res: ServerResponse, flushBytes: number, retryMs: number): StreamTransport {
  const writer = new BatchWriter(res, flushBytes);
  // The reconnect delay rides in the first block (stream.opened): a block holding only `retry:`
  // is handed to some clients as an empty message.
  let retry = `retry: ${retryMs}\n`;
  return {
    drained: () => drainOf(res),
    sendEvent: (event: AgentEvent) => {
      const frame = `id: ${event.id}\ndata: ${eventJson(event)}\n\n`;
      res.write(frame);
      writer.wrote(frame.length);
    },
    batch: (write) => writer.batch(write),
    sendControl: (frame) => {
      res.write(`${retry}event: ${frame.type}\ndata: ${JSON.stringify(frame)}\n\n`);
      retry = '';
    },
    buffered: () => res.writableLength,
    close: () => {
      if (!res.writableEnded) res.end();
    },
  };
}

/** The response head of an SSE stream; written by hand, as the reply is hijacked from fastify. */
export function startSse(res: ServerResponse, requestId: string): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': requestId,
  });
}
