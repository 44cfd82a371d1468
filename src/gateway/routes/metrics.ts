import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { GatewayDeps } from '../deps.js';
import { problemResponses } from './problems.js';

export const metricsRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (text exposition format); an operator token or --metrics-token',
        response: { 200: Type.String({ description: 'Prometheus text format 0.0.4' }), ...problemResponses },
      },
    },
    async (request, reply) => {
      deps.sessions.access.requireOperator(request.principal, 'read daemon-wide metrics');
      return reply.type(deps.metrics.contentType).send(await deps.metrics.render());
    },
  );
};
