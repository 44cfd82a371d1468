import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { AgentEvent } from '../../protocol/schemas.js';
import type { StreamTransport } from './subscription.js';

/** Close code for a reader cut off by backpressure: reconnect with the cursor and lose nothing. */
export const WS_CLOSE_OVERFLOW = 4008;

/** Resolves when `stream` drains or closes, whichever comes first. */
function drainOf(stream: Socket | ServerResponse): Promise<void> {
  if (!stream.writableNeedDrain || stream.destroyed) return Promise.resolve();
  return Promise.race([once(stream, 'drain'), once(stream, 'close')]).then(() => undefined);
}

/** `netSocket` is the upgraded connection under the WebSocket, whose drain paces catch-up. */
export function webSocketTransport(socket: WebSocket, netSocket: Socket): StreamTransport {
  return {
    drained: () => drainOf(netSocket),
    sendEvent: (event: AgentEvent) => socket.send(JSON.stringify(event)),
    sendControl: (frame) => socket.send(JSON.stringify(frame)),
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
export function sseTransport(res: ServerResponse): StreamTransport {
  return {
    drained: () => drainOf(res),
    sendEvent: (event: AgentEvent) => res.write(`id: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`),
    sendControl: (frame) => res.write(`event: ${frame.type}\ndata: ${JSON.stringify(frame)}\n\n`),
    buffered: () => res.writableLength,
    close: () => {
      if (!res.writableEnded) res.end();
    },
  };
}

export function startSse(res: ServerResponse, retryMs: number): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(`retry: ${retryMs}\n\n`);
}
