import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

export interface InFlight {
  /** Requests being handled now (streams and WebSocket upgrades not counted). */
  readonly count: number;
  /** Resolves once no request is in flight, or after `timeoutMs` — whichever is first. */
  settled(timeoutMs: number): Promise<void>;
}

const LEAVE = Symbol('leave in-flight count');

/**
 * A request that became a stream stops counting as in flight: it ends when its stream is ended,
 * and a client that does not read would keep its response from ever finishing.
 */
export function leaveInFlight(raw: IncomingMessage): void {
  (raw as IncomingMessage & { [LEAVE]?: () => void })[LEAVE]?.();
}

/**
 * Counts the requests being answered, so a stopping daemon can let them finish — a released
 * long-poll sends its `timed_out: true` — before it closes their connections. A request counts
 * until its response is finished or its connection closed. Streams do not count: WebSocket
 * upgrades never do, and an SSE request leaves the count when it becomes a stream.
 */
export function trackInFlight(app: FastifyInstance): InFlight {
  let count = 0;
  let idle: (() => void)[] = [];
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.upgrade) return;
    count += 1;
    let counted = true;
    const done = () => {
      if (!counted) return;
      counted = false;
      count -= 1;
      if (count > 0) return;
      const waiting = idle;
      idle = [];
      for (const resolve of waiting) resolve();
    };
    reply.raw.once('close', done);
    (request.raw as IncomingMessage & { [LEAVE]?: () => void })[LEAVE] = done;
  });
  return {
    get count() {
      return count;
    },
    settled(timeoutMs) {
      if (count === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        idle.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
