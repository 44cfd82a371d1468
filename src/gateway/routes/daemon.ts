import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DaemonStatusSchema, RunsOnStopSchema } from '../../protocol/schemas.js';
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

  app.post(
    '/daemon/stop',
    {
      schema: {
        operationId: 'stopDaemon',
        summary: 'Stop agentd once this answer is sent; active runs are left running under their supervisors (default), stopped, or cancelled',
        body: Type.Optional(Type.Object({ runs: Type.Optional(RunsOnStopSchema) }, { additionalProperties: false })),
        problems: ['forbidden'],
        response: {
          202: Type.Object({
            stopping: Type.Literal(true),
            runs: RunsOnStopSchema,
          }, { description: 'The daemon stops now; its port stops answering once it has' }),
        },
      },
    },
    async (request, reply) => {
      deps.sessions.access.requireOperator(request.principal, 'stop the daemon');
      const runs = deps.requestStop(request.body?.runs);
      return reply.code(202).send({ stopping: true as const, runs });
    },
  );
};
