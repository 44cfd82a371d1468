import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DaemonStatusSchema } from '../../protocol/schemas.js';
import type { GatewayDeps } from '../deps.js';

export const daemonRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  app.get(
    '/daemon/status',
    {
      schema: {
        operationId: 'getDaemonStatus',
        summary: 'Worker pool, queue counts and daemon facts',
        problems: ['forbidden'],
        response: { 200: DaemonStatusSchema },
      },
    },
    async (request) => {
      deps.sessions.access.requireOperator(request.principal, 'read daemon-wide status');
      return deps.status();
    },
  );
};
