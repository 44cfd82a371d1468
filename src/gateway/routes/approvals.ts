import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AnyRequestSchema, ApprovalRequestSchema, RequestStateSchema } from '../../protocol/approvals.js';
import { Nullable } from '../../protocol/schemas.js';
import type { GatewayDeps } from '../deps.js';
import { IdempotencyHeaders, respondIdempotent } from './respond.js';

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const IdempotencyKey = Type.Optional(Type.String({ minLength: 1, maxLength: 255 }));
const Message = Type.Optional(Type.String({ minLength: 1, maxLength: 16 * 1024, description: 'told to the agent with the decision' }));
const Settled = Type.Object({ request: ApprovalRequestSchema });
/** What answering an approval can refuse. */
const ANSWER_PROBLEMS = ['request_not_found', 'forbidden', 'request_already_answered', 'wrong_request_kind', 'decision_not_offered'] as const;

export const approvalRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  const a = deps.approvals;
  // Every field of an answer is optional, so a bodyless POST approves (or denies) plainly.
  const emptyBody = async (request: { body: unknown }) => {
    request.body ??= {};
  };

  app.get(
    '/requests',
    {
      schema: {
        operationId: 'listInbox',
        summary: 'The inbox: every request the caller may answer, across sessions, oldest first',
        querystring: Type.Object({
          state: Type.Optional(RequestStateSchema),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          cursor: Type.Optional(Type.String({ maxLength: 64, description: 'the last request id of the previous page' })),
        }),
        response: { 200: Type.Object({ requests: Type.Array(AnyRequestSchema), next_cursor: Nullable(Type.String()) }) },
      },
    },
    async (request) => a.inbox(request.principal, request.query),
  );

  app.post(
    '/requests/:id/approve',
    {
      preValidation: emptyBody,
      schema: {
        operationId: 'approveRequest',
        summary: 'Approve an approval request; with for_session, the same command prefix, tool or files stop asking in that session',
        params: Id,
        headers: IdempotencyHeaders,
        body: Type.Object({ for_session: Type.Optional(Type.Boolean()), message: Message, idempotency_key: IdempotencyKey }, { additionalProperties: false }),
        problems: ANSWER_PROBLEMS,
        response: { 200: Settled },
      },
    },
    async (request, reply) =>
      respondIdempotent(deps, request, reply, 200, (idem) =>
        a.answer(request.principal, request.params.id, { decision: 'approve', for_session: request.body.for_session, message: request.body.message }, idem)),
  );

  app.post(
    '/requests/:id/deny',
    {
      preValidation: emptyBody,
      schema: {
        operationId: 'denyRequest',
        summary: 'Deny an approval request; the message tells the agent why',
        params: Id,
        headers: IdempotencyHeaders,
        body: Type.Object({ message: Message, idempotency_key: IdempotencyKey }, { additionalProperties: false }),
        problems: ANSWER_PROBLEMS,
        response: { 200: Settled },
      },
    },
    async (request, reply) =>
      respondIdempotent(deps, request, reply, 200, (idem) =>
        a.answer(request.principal, request.params.id, { decision: 'deny', message: request.body.message }, idem)),
  );
};
