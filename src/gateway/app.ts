import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import cookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { GatewayDeps } from './deps.js';
import { installAuth } from './request-auth.js';
import { installProblemHandlers, sendProblem } from './problem.js';
import { healthRoutes } from './routes/health.js';
import { sessionRoutes } from './routes/sessions.js';
import { runRoutes } from './routes/runs.js';
import { daemonRoutes } from './routes/daemon.js';
import { delegationRoutes } from './routes/delegation.js';
import { approvalRoutes } from './routes/approvals.js';
import { streamRoutes } from './routes/stream.js';
import { metricsRoutes } from './routes/metrics.js';
import { backupRoutes } from './routes/backup.js';
import { doctorRoutes } from './routes/doctor.js';
import { authSessionRoutes } from './routes/auth-session.js';
import { workspaceRoutes } from './routes/workspaces.js';
import { webhookRoutes } from './routes/webhooks.js';
import { pushRoutes } from './routes/push.js';
import { webClientRoutes } from './routes/web-client.js';
import { installExposure, type ExposureOptions } from './exposure.js';
import { newId } from '../domain/ids.js';
import { validatorCompiler } from './validation.js';
import { openapiOptions } from './openapi/document.js';

export interface AppOptions {
  logger: Logger;
  bodyLimitBytes: number;
  /** Which hosts and web origins may reach the API (exposure.ts). */
  exposure: ExposureOptions;
}

/** Query parameters that may carry a credential are blanked before a URL is logged. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:ticket|token|access_token)=)[^&]*/gi, '$1[redacted]');
}

/** Route plugins that other issues add (streams, agent-to-agent) register through this list. */
export type RoutePlugin = (app: FastifyInstance, deps: GatewayDeps) => Promise<void>;

export async function buildApp(deps: GatewayDeps, opts: AppOptions, extra: RoutePlugin[] = []) {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimitBytes,
    // One log line per request, written in onResponse below, instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => newId('http'),
    // A stopping daemon is not held open by clients: streams and long-polls were already ended,
    // and whatever connection remains is closed rather than waited for.
    forceCloseConnections: true,
    requestIdHeader: false,
    // Errors the router raises before any route (a path parameter over 100 characters, a malformed
    // escape) get problem documents too, not fastify's own JSON.
    frameworkErrors: (error, request, reply) => {
      // These replies skip the hooks, so the request id is set here.
      reply.header('x-request-id', request.id);
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendProblem(reply, 'validation_failed', 'params a path parameter is longer than 100 characters');
      return sendProblem(reply, 'bad_request', 'the URL is malformed');
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  // The API speaks JSON only; anything else is a 415, not a string body that fails validation.
  app.removeContentTypeParser('text/plain');
  // Clients often send Content-Type: application/json on a bodyless POST (cancel); that is no body,
  // not bad JSON. Everything else goes through fastify's own (prototype-poisoning-safe) parser.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    else parseJson(request, body as string, done);
  });

  installProblemHandlers(app);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    // A refused WebSocket upgrade: its socket left node's HTTP handling and nothing reads it, so
    // nothing would notice the client leave. Close it once the refusal is sent.
    if (request.headers.upgrade && reply.statusCode >= 400) request.raw.socket?.destroy();
    deps.metrics.observeRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime);
    request.log.info(
      // principal: a token's name (or fingerprint), never a secret — who did what, for audits.
      { method: request.method, url: redactUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime), principal: request.principal?.id },
      'request',
    );
  });

  await app.register(swagger, openapiOptions(deps.version));
  // Order matters: hosts and origins are checked (and CORS preflights answered) before auth.
  await installExposure(app, opts.exposure);
  await app.register(cookie);
  installAuth(app, { tokens: deps.tokens, runTokens: deps.runTokens, tickets: deps.streams.tickets, signIns: deps.signIns, isScrapeToken: (token) => deps.metrics.acceptsScrapeToken(token) });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  await app.register(healthRoutes, { deps });
  await app.register(sessionRoutes, { deps });
  await app.register(runRoutes, { deps });
  await app.register(daemonRoutes, { deps });
  await app.register(delegationRoutes, { deps });
  await app.register(approvalRoutes, { deps });
  await app.register(streamRoutes, { deps });
  await app.register(metricsRoutes, { deps });
  await app.register(backupRoutes, { deps });
  await app.register(doctorRoutes, { deps });
  await app.register(authSessionRoutes, { deps });
  await app.register(workspaceRoutes, { deps });
  await app.register(webhookRoutes, { deps });
  await app.register(pushRoutes, { deps });
  await webClientRoutes(app);
  for (const plugin of extra) await plugin(app, deps);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
