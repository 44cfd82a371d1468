import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { MessageSchema, RequestKindSchema, RequestSchema, RunSchema, SessionSchema } from '../../protocol/schemas.js';
import type { GatewayDeps } from '../deps.js';
import { AnyRequestSchema, RequestStateSchema } from '../../protocol/approvals.js';
import { IdempotencyHeaders, respondIdempotent } from './respond.js';
import { ADMISSION_PROBLEMS, WORKTREE_PROBLEMS, WorktreeFields } from './sessions.js';

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const IdempotencyKey = Type.Optional(Type.String({ minLength: 1, maxLength: 255 }));
const Text = Type.String({ minLength: 1, maxLength: 256 * 1024 });
const SpawnBody = Type.Object(
  {
    task: Text,
    provider: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    cwd: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    title: Type.Optional(Type.String({ maxLength: 500 })),
    ...WorktreeFields,
    idempotency_key: IdempotencyKey,
  },
  { additionalProperties: false },
);
/** What spawning can refuse, from either endpoint. */
const SPAWN_PROBLEMS = ['unknown_provider', 'invalid_cwd', 'limit_exceeded', 'validation_failed', ...WORKTREE_PROBLEMS, ...ADMISSION_PROBLEMS] as const;
const Spawned = Type.Object({ session: SessionSchema, run: RunSchema });
const Sent = Type.Object({ message: MessageSchema, run: RunSchema, answered: Type.Array(RequestSchema) });
const Escalated = Type.Object({ request: RequestSchema, message: MessageSchema });
const Answered = Type.Object({ request: RequestSchema, message: MessageSchema, run: RunSchema });

export const delegationRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  const d = deps.delegation;

  app.post(
    '/runs/:id/spawn',
    {
      schema: {
        operationId: 'spawnFromRun',
        summary: 'Spawn a child session under a run and queue its first run with the task',
        params: Id,
        headers: IdempotencyHeaders,
        body: SpawnBody,
        problems: ['run_not_found', 'session_not_found', 'forbidden', ...SPAWN_PROBLEMS],
        response: { 201: Spawned },
      },
    },
    async (request, reply) =>
      respondIdempotent(deps, request, reply, 201, (idem) => d.spawnFromRun(request.principal, request.params.id, request.body, idem)),
  );

  app.post(
    '/sessions/:id/spawn',
    {
      schema: {
        operationId: 'spawnFromSession',
        summary: 'Spawn a child session under a session',
        params: Id,
        headers: IdempotencyHeaders,
        body: SpawnBody,
        problems: ['session_not_found', 'forbidden', ...SPAWN_PROBLEMS],
        response: { 201: Spawned },
      },
    },
    async (request, reply) =>
      respondIdempotent(deps, request, reply, 201, (idem) => d.spawnFromSession(request.principal, request.params.id, request.body, idem)),
  );

  app.post(
    '/sessions/:id/send',
    {
      schema: {
        operationId: 'sendToSession',
        summary: "Send work to a session (a child's answer too): queues a run and answers its open requests",
        params: Id,
        headers: IdempotencyHeaders,
        body: Type.Object(
          { text: Text, request_id: Type.Optional(Type.String({ maxLength: 64 })), idempotency_key: IdempotencyKey },
          { additionalProperties: false },
        ),
        problems: ['session_not_found', 'forbidden', 'request_not_found', 'request_already_answered', ...ADMISSION_PROBLEMS],
        response: { 201: Sent },
      },
    },
    async (request, reply) =>
      respondIdempotent(deps, request, reply, 201, (idem) => d.send(request.principal, request.params.id, request.body, idem)),
  );

  app.post(
    '/runs/:id/reply-parent',
    {
      schema: {
        operationId: 'replyParent',
        summary: "Escalate from a child run to its parent session (approval, permission, question, progress, result)",
        params: Id,
        headers: IdempotencyHeaders,
        body: Type.Object({ text: Text, request_kind: RequestKindSchema, idempotency_key: IdempotencyKey }, { additionalProperties: false }),
        problems: ['run_not_found', 'forbidden', 'no_parent_session'],
        response: { 201: Escalated },
      },
    },
    async (request, reply) =>
      respondIdempotent(deps, request, reply, 201, (idem) => d.replyParent(request.principal, request.params.id, request.body, idem)),
  );

  app.get(
    '/sessions/:id/requests',
    {
      schema: {
        operationId: 'listRequests',
        summary: "Requests addressed to this session: its children's escalations and approvals",
        params: Id,
        querystring: Type.Object({ state: Type.Optional(RequestStateSchema) }),
        problems: ['session_not_found'],
        response: { 200: Type.Object({ requests: Type.Array(AnyRequestSchema) }) },
      },
    },
    async (request) => ({ requests: await deps.approvals.listForSession(request.principal, request.params.id, request.query.state) }),
  );

  app.get(
    '/requests/:id',
    {
      schema: {
        operationId: 'getRequest',
        summary: 'One request: an escalation or an approval',
        params: Id,
        problems: ['request_not_found'],
        response: { 200: Type.Object({ request: AnyRequestSchema }) },
      },
    },
    async (request) => ({ request: await deps.approvals.get(request.principal, request.params.id) }),
  );

  app.post(
    '/requests/:id/respond',
    {
      schema: {
        operationId: 'respondToRequest',
        summary: "Answer an open escalation: the answer goes to the child session as its next turn",
        params: Id,
        headers: IdempotencyHeaders,
        body: Type.Object({ text: Text, idempotency_key: IdempotencyKey }, { additionalProperties: false }),
        problems: ['request_not_found', 'forbidden', 'request_already_answered', 'wrong_request_kind', ...ADMISSION_PROBLEMS],
        response: { 201: Answered },
      },
    },
    async (request, reply) =>
      respondIdempotent(deps, request, reply, 201, (idem) => d.respond(request.principal, request.params.id, request.body.text, idem)),
  );
};
