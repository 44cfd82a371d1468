import type { FastifyInstance } from 'fastify';
import { bearerToken, LOCAL_PRINCIPAL, type Principal, type TokenRegistry } from './auth.js';
import { sendProblem } from './problem.js';
import type { RunTokens } from '../services/run-tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

/** Routes anyone may call, even with tokens configured. */
const OPEN_ROUTES = new Set(['GET /health']);

/**
 * Bearer auth on everything but the open routes once any operator token is configured. Without
 * operator tokens the daemon serves one local principal (it listens on loopback by default). A run
 * token (minted for an agent process) is honoured either way and limits the caller to its tree.
 */
export function installAuth(app: FastifyInstance, tokens: TokenRegistry, runTokens: RunTokens): void {
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request, reply) => {
    const token = bearerToken(request.headers.authorization);
    const open = OPEN_ROUTES.has(`${request.method} ${request.routeOptions.url ?? ''}`);
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
