import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { WebSocket } from 'ws';
import type { OutgoingHttpHeaders } from 'node:http';
import { parseCursor } from '../../services/sessions.js';
import type { GatewayDeps } from '../deps.js';
import { sendProblem } from '../problem.js';
import { leaveInFlight } from '../in-flight.js';
import { Subscription, type StreamTransport } from '../streams/subscription.js';
import { sseTransport, startSse, webSocketTransport } from '../streams/transports.js';

/** A run token's run has left `running` (the only ways out of it). */
const RUN_ENDED = new Set(['run.completed', 'run.failed', 'run.cancelled', 'run.interrupted']);

const StreamQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 64 })),
  sessionId: Type.Optional(Type.String({ maxLength: 64 })),
  session_id: Type.Optional(Type.String({ maxLength: 64 })),
  ticket: Type.Optional(Type.String({ maxLength: 128 })),
});

const StreamHeaders = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({ maxLength: 64, description: 'The last event id seen (sent by EventSource when it reconnects); wins over cursor' }),
  ),
});

/** What a stream answers once it opens; neither goes through fastify's serializer (the socket is taken over). */
const StreamResponses = {
  200: Type.Unsafe<string>({
    description: 'Server-sent events: event frames and control frames; the response stays open',
    content: { 'text/event-stream': { schema: Type.String() } },
  }),
  101: Type.Null({ description: 'Switching to a WebSocket (on an upgrade request): one JSON event or control frame per text message' }),
};

interface StreamTarget {
  sessionId: string | null;
  cursor: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    streamTarget?: StreamTarget;
  }
}

export const streamRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  const { streams } = deps;
  // Corked batches leave at this size: well under the cut-off, so only unread bytes can reach it.
  const flushBytes = Math.min(64 * 1024, Math.floor(streams.bufferBytes / 4));
  // A client cut off gets one heartbeat interval to read what it was sent before its socket goes.
  const lingerMs = streams.heartbeatMs;

  /** Validates the target before any upgrade or hijack, so a bad request gets a plain problem. */
  const resolveTarget = async (request: FastifyRequest, reply: FastifyReply) => {
    // Streams are long-lived: capped, so they cannot take every connection from the rest of the API.
    if (streams.closing || streams.open.size >= streams.maxStreams) {
      reply.header('retry-after', '5');
      return sendProblem(reply, 'unavailable', streams.closing
        ? 'the daemon is shutting down; reconnect with your cursor shortly'
        : `this daemon has ${streams.open.size} open streams, its limit (--max-streams); retry later`);
    }
    const query = request.query as { cursor?: string; sessionId?: string; session_id?: string };
    const params = request.params as { id?: string };
    const sessionId = params.id ?? query.sessionId ?? query.session_id ?? null;
    // EventSource resends the last id it saw as Last-Event-ID; it wins over the original URL's cursor.
    const header = request.headers['last-event-id'];
    const cursor = (typeof header === 'string' && header !== '' ? header : query.cursor) || null;
    parseCursor(cursor ?? undefined);
    if (sessionId) await deps.sessions.visible(request.principal, sessionId);
    await deps.sessions.availableAfter(request.principal, sessionId, cursor);
    request.streamTarget = { sessionId, cursor };
  };

  const open = (request: FastifyRequest, transport: StreamTransport): Subscription => {
    const { sessionId, cursor } = request.streamTarget!;
    const principal = request.principal;
    const run = principal.run;
    const subscription = new Subscription(
      {
        hub: streams.hub,
        transport,
        budget: streams.budget,
        turns: streams.turns,
        visible: (eventSessionId) => (sessionId ? eventSessionId === sessionId : streams.directory.visibleTo(principal, eventSessionId)),
        replay: (after, limit) => (sessionId ? streams.replaySession(sessionId, after, limit) : streams.replayOwner(principal.id, after, limit)),
        maxBufferedBytes: streams.bufferBytes,
        heartbeatMs: streams.heartbeatMs,
        onOverflow: streams.onOverflow,
        credential: { tokenId: request.auth.tokenId, signIn: request.auth.signIn },
        // A run token's stream lives as long as its run runs, like the token itself.
        ...(run && {
          endsAfter: {
            match: (event) => event.run_id === run.runId && RUN_ENDED.has(event.type),
            reason: 'run_ended' as const,
            detail: `run ${run.runId} has ended, and with it this stream's run token`,
          },
        }),
      },
      cursor,
    );
    streams.open.add(subscription);
    subscription.onClose = () => streams.open.delete(subscription);
    void subscription.start(cursor, { session_id: sessionId });
    // The run may have ended between auth and start() subscribing to the hub: then no event will say so.
    if (run) void deps.runTokens.isRunning(run.runId).then((running) => running || subscription.endSoon(), () => subscription.endSoon());
    return subscription;
  };

  const sse = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    leaveInFlight(request.raw);
    startSse(reply.raw, request.id, reply.getHeaders() as OutgoingHttpHeaders);
    const subscription = open(request, sseTransport(reply.raw, flushBytes, streams.retryMs, lingerMs));
    request.raw.on('close', () => subscription.close('client_gone', 'client went away'));
  };

  const ws = (socket: WebSocket, request: FastifyRequest) => {
    const subscription = open(request, webSocketTransport(socket, request.raw.socket, flushBytes, lingerMs));
    // Liveness: a socket that misses a pong between two pings is dead and is closed.
    let alive = true;
    socket.on('pong', () => (alive = true));
    const ping = setInterval(() => {
      if (!alive) {
        socket.terminate();
        return;
      }
      alive = false;
      socket.ping();
    }, streams.heartbeatMs);
    ping.unref();
    socket.on('close', () => {
      clearInterval(ping);
      subscription.close('client_gone', 'client went away');
    });
    socket.on('error', () => socket.terminate());
  };

  const schema = (operationId: string, summary: string, withParams: boolean) => ({
    operationId,
    summary,
    description:
      'Server-sent events by default; a WebSocket with an upgrade request. Each event frame is an `Event` ' +
      '(SSE `id:` is its cursor); control frames (`stream.opened`, `stream.heartbeat`, `stream.overflow`, `stream.closed`) carry no id. ' +
      'Resume with `cursor` or `Last-Event-ID`: nothing is missed and nothing repeated.',
    querystring: StreamQuery,
    headers: StreamHeaders,
    ...(withParams && { params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }) }),
    problems: ['invalid_cursor', 'cursor_expired', 'session_not_found', 'unavailable'] as const,
    response: StreamResponses,
  });

  app.route({
    method: 'GET',
    url: '/stream',
    schema: schema('streamEvents', 'Events of every session the caller may see (or ?sessionId=): SSE, or WebSocket on upgrade', false),
    preHandler: resolveTarget,
    handler: sse,
    wsHandler: ws,
  });
  app.route({
    method: 'GET',
    url: '/sessions/:id/stream',
    schema: schema('streamSessionEvents', "One session's events: SSE, or WebSocket on upgrade", true),
    preHandler: resolveTarget,
    handler: sse,
    wsHandler: ws,
  });

  app.post(
    '/stream/tickets',
    {
      schema: {
        operationId: 'createStreamTicket',
        summary: 'A single-use ticket to open one stream with ?ticket= (for browsers, which cannot set headers)',
        response: { 201: Type.Object({ ticket: Type.String(), expires_at: Type.String({ format: 'date-time' }) }) },
      },
    },
    async (request, reply) => reply.code(201).send(streams.tickets.issue({ principal: request.principal, auth: request.auth })),
  );
};
