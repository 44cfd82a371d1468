import type { FastifyInstance } from 'fastify';
import { bearerToken, LOCAL_PRINCIPAL, type Principal, type TokenRegistry } from './auth.js';
import { sendProblem } from './problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

/** Routes anyone may call, even with tokens configured. */
const OPEN_ROUTES = new Set(['GET /health']);

/**
 * Bearer auth on everything but the open routes once any token is configured. Without tokens the
 * daemon serves one local principal (it listens on loopback by default).
 */
export function installAuth(app: FastifyInstance, tokens: TokenRegistry): void {
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request, reply) => {
    if (!tokens.enabled) {
      request.principal = LOCAL_PRINCIPAL;
      return;
    }
    if (OPEN_ROUTES.has(`${request.method} ${request.routeOptions.url ?? ''}`)) return;
    const token = bearerToken(request.headers.authorization);
    const principal = token === undefined ? undefined : tokens.verify(token);
    if (!principal) {
      return sendProblem(reply, 'unauthorized', token === undefined ? 'missing bearer token' : 'invalid bearer token');
    }
    request.principal = principal;
  });
}
