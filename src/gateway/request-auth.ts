import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerToken, type TokenRegistry } from './auth.js';
import { LOCAL_PRINCIPAL, SCRAPER_PRINCIPAL, type Principal } from '../domain/principal.js';
import { sendProblem } from './problem.js';
import type { RunTokens } from '../services/run-tokens.js';
import { SIGN_IN_COOKIE, type SignIns } from '../services/sign-ins.js';
import type { StreamTickets } from './streams/tickets.js';

/** How a request proved who it is, so what it opens can end when that proof is withdrawn. */
export interface Authentication {
  via: 'bearer' | 'cookie' | 'ticket' | 'none';
  /** Fingerprint of the operator token behind it (`local` with auth off; null for a run token). */
  tokenId: string | null;
  /** Hash of the session cookie behind it, if any: signing out ends what it opened. */
  signIn: string | null;
  /** When the session cookie behind it expires. */
  expiresAt: string | null;
}

/** What a stream ticket stands for: the principal and the credential that asked for it. */
export interface TicketGrant {
  principal: Principal;
  auth: Authentication;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
    auth: Authentication;
  }
}

/** Routes anyone may call, even with tokens configured. Signing out only ends the cookie presented. */
export const OPEN_ROUTES: ReadonlySet<string> = new Set(['GET /health', 'DELETE /auth/session']);
/** Streams a browser opens: they may authenticate with a single-use `?ticket=` instead of a header. */
export const TICKET_ROUTES: ReadonlySet<string> = new Set(['GET /stream', 'GET /sessions/:id/stream']);

const NO_AUTH: Authentication = { via: 'none', tokenId: null, signIn: null, expiresAt: null };

export interface AuthSources {
  tokens: TokenRegistry;
  runTokens: RunTokens;
  tickets: StreamTickets<TicketGrant>;
  signIns: SignIns;
  /** Whether a bearer token is the scrape-only `--metrics-token` (GET /metrics). */
  isScrapeToken?: (token: string) => boolean;
}

/**
 * Who is asking, in this order: an `Authorization: Bearer` header (operator or run token); a stream
 * ticket on the stream routes; the browser's session cookie. With no operator tokens configured,
 * anyone else is the one local principal (agentd listens on loopback then). A run token is
 * honoured either way and limits the caller to its tree.
 */
export function installAuth(app: FastifyInstance, sources: AuthSources): void {
  const { tokens, runTokens, tickets, signIns } = sources;
  app.decorateRequest('principal', null as unknown as Principal);
  app.decorateRequest('auth', null as unknown as Authentication);
  const accept = (request: FastifyRequest, principal: Principal, auth: Authentication) => {
    request.principal = principal;
    request.auth = auth;
  };
  app.addHook('onRequest', async (request, reply) => {
    const token = bearerToken(request.headers.authorization);
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    const open = OPEN_ROUTES.has(route) || request.routeOptions.config?.public === true;
    const ticket = (request.query as { ticket?: unknown } | undefined)?.ticket;
    if (token === undefined && typeof ticket === 'string' && TICKET_ROUTES.has(route)) {
      const grant = tickets.consume(ticket);
      if (!grant) return sendProblem(reply, 'unauthorized', 'stream ticket is unknown, already used or expired');
      // A ticket is no stronger than what asked for it: a run token's dies with its run.
      if (grant.principal.run && !(await runTokens.isRunning(grant.principal.run.runId))) {
        return sendProblem(reply, 'token_expired', 'this ticket was issued to a run token whose run has ended');
      }
      return accept(request, grant.principal, { ...grant.auth, via: 'ticket' });
    }
    // The scrape token opens GET /metrics only; anywhere else it is just an unknown token.
    if (token !== undefined && route === 'GET /metrics' && sources.isScrapeToken?.(token)) {
      return accept(request, SCRAPER_PRINCIPAL, { ...NO_AUTH, via: 'bearer' });
    }
    if (token !== undefined) {
      const operator = tokens.verify(token);
      if (operator) return accept(request, operator.principal, { ...NO_AUTH, via: 'bearer', tokenId: operator.tokenId });
      const run = await runTokens.verify(token);
      if (run === 'expired') {
        if (open) return void (request.auth = NO_AUTH);
        return sendProblem(reply, 'token_expired', 'this run token belongs to a run that has ended');
      }
      if (run) return accept(request, run, { ...NO_AUTH, via: 'bearer' });
    }
    const cookie = token === undefined ? request.cookies?.[SIGN_IN_COOKIE] : undefined;
    if (cookie !== undefined) {
      const signIn = await signIns.find(cookie);
      // A sign-in lasts only as long as the token that made it is configured for the same principal.
      const current = signIn && (signIn.token_id === 'local' ? (tokens.enabled ? undefined : LOCAL_PRINCIPAL) : tokens.byTokenId(signIn.token_id)?.principal);
      if (signIn && current && current.id === signIn.principal) {
        return accept(request, current, { via: 'cookie', tokenId: signIn.token_id, signIn: signIn.cookie_hash, expiresAt: signIn.expires_at });
      }
      if (tokens.enabled && !open) return sendProblem(reply, 'unauthorized', 'the session cookie is unknown, expired or signed out; sign in again');
    }
    if (!tokens.enabled) return accept(request, LOCAL_PRINCIPAL, { ...NO_AUTH, tokenId: 'local' });
    // An open route serves callers who proved nothing: no principal, so no handler can mistake them for one.
    if (open) return void (request.auth = NO_AUTH);
    return sendProblem(reply, 'unauthorized', token === undefined ? 'missing bearer token' : 'invalid bearer token');
  });
}
