import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { GatewayDeps } from '../deps.js';

export const metricsRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'getMetrics',
        summary: 'Prometheus metrics (text exposition format); an operator token or --metrics-token',
        problems: ['forbidden'],
        response: {
          200: Type.Unsafe<string>({ description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: Type.String() } } }),
        },
      },
    },
    async (request, reply) => {
      deps.sessions.access.requireOperator(request.principal, 'read daemon-wide metrics');
      return reply.type(deps.metrics.contentType).send(await deps.metrics.render());
    },
  );
};
