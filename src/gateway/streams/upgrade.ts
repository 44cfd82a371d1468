import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';

/**
 * The 101 answer to a WebSocket upgrade is written by `ws`, not fastify, so it would carry none of
 * the headers fastify adds. The request id is remembered per raw request and added there, so an
 * upgrade can be found in the log by its `x-request-id` like any other request.
 */
export function tagUpgradeResponses(app: FastifyInstance): void {
  const ids = new WeakMap<IncomingMessage, string>();
  app.addHook('onRequest', async (request) => {
    if (request.headers.upgrade) ids.set(request.raw, request.id);
  });
  app.websocketServer.on('headers', (headers: string[], raw: IncomingMessage) => {
    const id = ids.get(raw);
    if (id) headers.push(`x-request-id: ${id}`);
  });
}

/**
 * Errors on an open WebSocket are the client's doing (a malformed or oversized frame, a reset):
 * `ws` has already closed the connection with the matching code. Worth a line, not an error-level
 * alert, which is for the daemon's own failures.
 */
export function logWebSocketError(this: FastifyInstance, error: Error & { code?: string }, socket: WebSocket, request: FastifyRequest, _reply: FastifyReply): void {
  request.log.info({ err_code: error.code, detail: error.message }, 'websocket closed: the client sent an invalid frame or went away');
  socket.terminate();
}
