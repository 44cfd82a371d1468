import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface ConnectionLimits {
  maxConnections: number;
  /** A fresh connection must start, and a request must send its headers, within this. */
  headerTimeoutMs: number;
  /** A whole request, body included, must arrive within this. */
  bodyTimeoutMs: number;
  /** A connection with no request in flight is closed after this. */
  keepAliveTimeoutMs: number;
}

/** How long a connection we are ending may still deliver what was written before it is destroyed. */
const LINGER_MS = 1000;
/** Descriptors kept back from connections: the database, agent pipes, the log, the listener. */
const RESERVED_FDS = 64;
/** A refused connection is logged at most this often, with the count since the last line. */
const DROP_LOG_INTERVAL_MS = 10_000;

/**
 * Ends a connection the daemon will not read from again. Closing at once while the client still
 * sends (the rest of a refused body) would reset the connection, and a reset can make the client
 * drop the answer it had not read yet; so the write side ends (FIN after the answer), and the
 * socket is destroyed after a short linger if the client has not closed by then.
 */
export function endConnection(socket: Socket): void {
  if (socket.destroyed) return;
  socket.end();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** The soft limit on open files (Linux), or undefined where it cannot be read. */
function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isInteger(soft) && soft > 0 ? soft : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The connection limit that fits the process's open-file limit: past it, accept() fails with
 * EMFILE and the daemon can no longer answer anyone, nor open files for its own work.
 */
export function fittingMaxConnections(wanted: number, fdLimit = openFileLimit()): number {
  if (fdLimit === undefined) return wanted;
  return Math.max(1, Math.min(wanted, fdLimit - RESERVED_FDS));
}

/** Fastify constructor options that set Node's HTTP server deadlines. */
export function serverOptions(limits: ConnectionLimits) {
  return {
    http: {
      headersTimeout: limits.headerTimeoutMs,
      // Node checks the header and body deadlines on this interval, 30 s by default, which would
      // let a 1 s deadline run for 30 s. A check walks the list of connections that are sending.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(Math.min(limits.headerTimeoutMs, limits.bodyTimeoutMs) / 4))),
    },
    requestTimeout: limits.bodyTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
  };
}

/**
 * Bounds what connections can hold: their count, and a connection whose request was answered
 * before its body arrived (an early 401, a 413). Node's own deadlines (set by `serverOptions`)
 * close connections that send nothing or send too slowly, a fresh one included.
 */
export function installConnectionLimits(app: FastifyInstance, limits: ConnectionLimits): void {
  const server = app.server;
  server.maxConnections = limits.maxConnections;
  let dropped = 0;
  let lastDropLog = 0;
  server.on('drop', () => {
    dropped += 1;
    if (Date.now() - lastDropLog < DROP_LOG_INTERVAL_MS) return;
    lastDropLog = Date.now();
    app.log.warn({ dropped, max_connections: limits.maxConnections }, 'connections refused: --max-connections reached');
    dropped = 0;
  });
  // Answered before its body was read (refused by auth, too large): the rest of the body is of no
  // use, and waiting for it would let any client hold the connection. Close after the answer.
  app.addHook('onSend', async (request, reply) => {
    if (!request.raw.complete && !request.headers.upgrade) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request) => {
    if (!request.raw.complete && !request.headers.upgrade) endConnection(request.raw.socket);
  });
}
