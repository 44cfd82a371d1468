import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DaemonStatusSchema } from '../../protocol/schemas.js';
import type { GatewayDeps } from '../deps.js';
import { problemResponses } from './problems.js';

export const daemonRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  app.get(
    '/daemon/status',
    {
      schema: {
        summary: 'Worker pool, queue counts and daemon facts',
        response: { 200: DaemonStatusSchema, ...problemResponses },
      },
    },
    async (request) => {
      deps.sessions.access.requireOperator(request.principal, 'read daemon-wide status');
      return deps.status();
    },
  );
};
