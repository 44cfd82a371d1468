import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { GatewayDeps } from '../deps.js';

const CheckSchema = Type.Object({
  name: Type.String(),
  status: Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail'), Type.Literal('skip')]),
  summary: Type.String(),
  fix: Type.Union([Type.String(), Type.Null()]),
});

export const doctorRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  app.get(
    '/daemon/doctor',
    {
      schema: {
        operationId: 'getDaemonDoctor',
        summary: "agentd checks itself: agent CLIs in its environment, its database, its exposure, its clock (what `agentctl doctor` shows)",
        problems: ['forbidden'],
        response: { 200: Type.Object({ now: Type.String({ format: 'date-time' }), checks: Type.Array(CheckSchema) }) },
      },
    },
    async (request) => {
      deps.sessions.access.requireOperator(request.principal, 'run the daemon checks');
      const checks = await deps.doctor();
      return { now: new Date().toISOString(), checks };
    },
  );
};
