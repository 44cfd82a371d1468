import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DiagnosticsSchema, RunSchema, RunStateSchema } from '../../protocol/schemas.js';
import type { GatewayDeps } from '../deps.js';
import { IdempotencyHeaders, respondIdempotent } from './respond.js';

const RunParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const RunEnvelope = Type.Object({ run: RunSchema });

export const runRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  app.post(
    '/runs',
    {
      schema: {
        operationId: 'createRun',
        summary: 'Queue a run in a session without posting a message',
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            session_id: Type.String({ minLength: 1, maxLength: 64 }),
            prompt: Type.String({ minLength: 1, maxLength: 256 * 1024 }),
            idempotency_key: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
          },
          { additionalProperties: false },
        ),
        problems: ['forbidden', 'session_not_found', 'budget_exceeded', 'worktree_removed'],
        response: { 201: RunEnvelope },
      },
    },
    async (request, reply) =>
      respondIdempotent(deps, request, reply, 201, (idem) => deps.runs.create(request.principal, request.body, idem)),
  );

  app.get(
    '/runs/:id',
    { schema: { operationId: 'getRun', summary: 'Get a run', params: RunParams, problems: ['run_not_found'], response: { 200: RunEnvelope } } },
    async (request) => ({ run: await deps.runs.visible(request.principal, request.params.id) }),
  );

  app.post(
    '/runs/:id/transition',
    {
      schema: {
        operationId: 'transitionRun',
        summary: 'Move a run along its state machine (compare-and-set with expected_state)',
        params: RunParams,
        body: Type.Object(
          {
            state: RunStateSchema,
            expected_state: Type.Optional(RunStateSchema),
            reason: Type.Optional(Type.String({ maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
        problems: ['run_not_found', 'forbidden', 'invalid_transition', 'state_mismatch'],
        response: { 200: RunEnvelope },
      },
    },
    async (request) => deps.runs.transition(request.principal, request.params.id, request.body),
  );

  app.post(
    '/runs/:id/cancel',
    {
      schema: {
        operationId: 'cancelRun',
        summary: 'Cancel a run: a queued one at once, a running one by killing its process group',
        params: RunParams,
        problems: ['run_not_found', 'forbidden'],
        response: { 200: RunEnvelope },
      },
    },
    async (request) => deps.runs.cancel(request.principal, request.params.id),
  );

  app.get(
    '/runs/:id/wait',
    {
      schema: {
        operationId: 'waitRun',
        summary: 'Long-poll until the run is terminal or timeout_s passes',
        params: RunParams,
        querystring: Type.Object({
          timeout_s: Type.Number({ minimum: 0, maximum: 3600, default: 30 }),
          interval_ms: Type.Optional(Type.Integer({ minimum: 0, description: 'Accepted for compatibility; waits are event-driven' })),
        }),
        problems: ['run_not_found'],
        response: { 200: Type.Object({ run: RunSchema, timed_out: Type.Boolean() }) },
      },
    },
    async (request) => deps.runs.wait(request.principal, request.params.id, request.query.timeout_s),
  );

  app.get(
    '/runs/:id/diagnose',
    {
      schema: {
        operationId: 'diagnoseRun',
        summary: 'Why a run is where it is: worker, queue position, process, likely issue',
        params: RunParams,
        problems: ['run_not_found'],
        response: { 200: Type.Object({ run: RunSchema, diagnostics: DiagnosticsSchema }) },
      },
    },
    async (request) => deps.runs.diagnose(request.principal, request.params.id),
  );
};
