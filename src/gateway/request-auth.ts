import type { FastifyInstance } from 'fastify';
import { bearerToken, LOCAL_PRINCIPAL, SCRAPER_PRINCIPAL, type Principal, type TokenRegistry } from './auth.js';
import { sendProblem } from './problem.js';
import type { RunTokens } from '../services/run-tokens.js';
import type { StreamTickets } from './streams/tickets.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

/** Routes anyone may call, even with tokens configured. */
const OPEN_ROUTES = new Set(['GET /health']);
/** Streams a browser opens: they may authenticate with a single-use `?ticket=` instead of a header. */
const TICKET_ROUTES = new Set(['GET /stream', 'GET /sessions/:id/stream']);

/**
 * Bearer auth on everything but the open routes once any operator token is configured. Without
 * operator tokens the daemon serves one local principal (it listens on loopback by default). A run
 * token (minted for an agent process) is honoured either way and limits the caller to its tree.
 */
export function installAuth(
  app: FastifyInstance,
  tokens: TokenRegistry,
  runTokens: RunTokens,
  tickets: StreamTickets,
  isScrapeToken: (token: string) => boolean = () => false,
): void {
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request, reply) => {
    const token = bearerToken(request.headers.authorization);
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    const open = OPEN_ROUTES.has(route);
    const ticket = (request.query as { ticket?: unknown } | undefined)?.ticket;
    if (token === undefined && typeof ticket === 'string' && TICKET_ROUTES.has(route)) {
      const principal = tickets.consume(ticket);
      if (!principal) return sendProblem(reply, 'unauthorized', 'stream ticket is unknown, already used or expired');
      request.principal = principal;
      return;
    }
    // The scrape token opens GET /metrics only; anywhere else it is just an unknown token.
    if (token !== undefined && route === 'GET /metrics' && isScrapeToken(token)) {
      request.principal = SCRAPER_PRINCIPAL;
      return;
    }
    if (token !== undefined) {
      const operator = tokens.verify(token);
      if (operator) {
        request.principal = operator;
        return;
      }
      const run = await runTokens.verify(token);
      if (run === 'expired') {
        if (open) return;
        return sendProblem(reply, 'token_expired', 'this run token belongs to a run that has ended');
      }
      if (run) {
        request.principal = run;
        return;
      }
    }
    if (!tokens.enabled) {
      request.principal = LOCAL_PRINCIPAL;
      return;
    }
    if (open) return;
    return sendProblem(reply, 'unauthorized', token === undefined ? 'missing bearer token' : 'invalid bearer token');
  });
}
