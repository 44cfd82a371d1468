import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { EventSchema, literals, MessageRoleSchema, MessageSchema, Nullable, RunSchema, SessionSchema } from '../../protocol/schemas.js';
import type { GatewayDeps } from '../deps.js';
import { ApprovalPolicySchema } from '../../protocol/approvals.js';
import { IdempotencyHeaders, respondIdempotent } from './respond.js';
import { SessionReportSchema } from '../../protocol/workspaces.js';

/** `worktree`, `branch`, `allow_dirty`: a session (or child) in a git worktree of its own. */
export const WorktreeFields = {
  worktree: Type.Optional(Type.Boolean({ description: 'Work in a new git worktree of the repository around cwd, on a new branch from its HEAD' })),
  branch: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Name of the new branch (default agentd/<session id>); it must not exist' })),
  allow_dirty: Type.Optional(Type.Boolean({ description: 'Make the worktree although the repository has uncommitted changes (they stay behind)' })),
};
/** What making a worktree can refuse. */
export const WORKTREE_PROBLEMS = ['not_a_git_repository', 'invalid_branch', 'branch_exists', 'dirty_base', 'worktree_failed', 'git_unavailable'] as const;
/** What refuses a new run in a session: a spent budget, a removed worktree. */
export const ADMISSION_PROBLEMS = ['budget_exceeded', 'worktree_removed'] as const;

const SessionParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const IdempotencyKey = Type.Optional(Type.String({ minLength: 1, maxLength: 255 }));
const SessionEnvelope = Type.Object({ session: SessionSchema });
const Text = Type.String({ minLength: 1, maxLength: 256 * 1024 });
const SessionActivitySchema = Type.Object(
  {
    latest_runs: Type.Record(Type.String(), RunSchema, { description: "Each listed session's newest run, by session id; a session without runs is absent" }),
    stream_cursor: Nullable(Type.String({ description: 'The newest event id when this page was read: GET /stream?cursor= from it misses no later change' })),
  },
  { title: 'SessionActivity', description: 'With include=activity' },
);

export const sessionRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  app.post(
    '/sessions',
    {
      // Every field is optional, so an empty POST is a valid request.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        operationId: 'createSession',
        summary: 'Create a session',
        headers: IdempotencyHeaders,
        body: Type.Optional(
          Type.Object(
            {
              title: Type.Optional(Type.String({ maxLength: 500 })),
              provider: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
              cwd: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
              ...WorktreeFields,
              max_cost_usd: Type.Optional(Type.Number({ minimum: 0, maximum: 1e9, description: "Spend limit of this session with its children, USD (default: the daemon's; 0: none)" })),
              max_tokens: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e15, description: "Token limit of this session with its children (default: the daemon's; 0: none)" })),
              approval_policy: Type.Optional(ApprovalPolicySchema),
              approval_allow: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 1000 }), { maxItems: 100 })),
              idempotency_key: IdempotencyKey,
            },
            { additionalProperties: false, default: {}, description: 'Optional: an absent body is {}' },
          ),
        ),
        problems: ['forbidden', 'unknown_provider', 'invalid_cwd', 'validation_failed', ...WORKTREE_PROBLEMS],
        response: { 201: SessionEnvelope },
      },
    },
    async (request, reply) =>
      respondIdempotent(deps, request, reply, 201, (idem) =>
        deps.sessions.create(request.principal, request.body ?? {}, idem),
      ),
  );

  app.get(
    '/sessions',
    {
      schema: {
        operationId: 'listSessions',
        summary: "List the caller's sessions, newest first",
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          cursor: Type.Optional(Type.String({ maxLength: 64 })),
          include: Type.Optional(Type.Literal('activity', { description: "`activity`: add each session's newest run and a stream cursor" })),
        }),
        response: {
          200: Type.Object({
            sessions: Type.Array(SessionSchema),
            next_cursor: Nullable(Type.String()),
            activity: Type.Optional(SessionActivitySchema),
          }),
        },
        problems: ['forbidden'],
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      if (request.query.include === 'activity') {
        const { page, activity } = await deps.sessions.listWithActivity(request.principal, limit, cursor);
        return { sessions: page.items, next_cursor: page.next_cursor, activity };
      }
      const page = await deps.sessions.list(request.principal, limit, cursor);
      return { sessions: page.items, next_cursor: page.next_cursor };
    },
  );

  app.get(
    '/sessions/:id',
    {
      schema: {
        operationId: 'getSession',
        summary: 'Get a session, what it spent (alone and with its children) and its budget',
        params: SessionParams,
        problems: ['session_not_found'],
        response: { 200: SessionReportSchema },
      },
    },
    async (request) => {
      const session = await deps.sessions.visible(request.principal, request.params.id);
      return { session, ...(await deps.spend.ofSession(session)) };
    },
  );

  const MessageResult = Type.Object({ message: MessageSchema, run: Nullable(RunSchema) });
  app.post(
    '/sessions/:id/messages',
    {
      schema: {
        operationId: 'postMessage',
        summary: 'Post a message; a user message queues a run',
        params: SessionParams,
        headers: IdempotencyHeaders,
        body: Type.Object(
          { role: Type.Optional(MessageRoleSchema), text: Text, idempotency_key: IdempotencyKey },
          { additionalProperties: false },
        ),
        problems: ['session_not_found', 'forbidden', ...ADMISSION_PROBLEMS],
        response: { 201: MessageResult },
      },
    },
    async (request, reply) =>
      respondIdempotent(deps, request, reply, 201, (idem) =>
        deps.sessions.postMessage(
          request.principal,
          request.params.id,
          { role: request.body.role ?? 'user', text: request.body.text },
          idem,
        ),
      ),
  );

  app.get(
    '/sessions/:id/messages',
    {
      schema: {
        operationId: 'listMessages',
        summary: "A session's messages, oldest first",
        params: SessionParams,
        problems: ['session_not_found'],
        response: { 200: Type.Object({ messages: Type.Array(MessageSchema) }) },
      },
    },
    async (request) => ({ messages: await deps.sessions.listMessages(request.principal, request.params.id) }),
  );

  app.get(
    '/sessions/:id/events',
    {
      schema: {
        operationId: 'listEvents',
        summary: "A page of the session's event log strictly after `cursor`",
        params: SessionParams,
        querystring: Type.Object({
          cursor: Type.Optional(Type.String({ maxLength: 64 })),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          direction: Type.Optional(literals(['forward', 'backward'], {
            description: '`backward`: the `limit` events before `cursor` (before the end without one), still oldest first; `next_cursor` leads further back',
          })),
        }),
        response: {
          200: Type.Object({
            events: Type.Array(EventSchema),
            next_cursor: Nullable(Type.String({ description: 'Pass as ?cursor= for the next page' })),
            has_more: Type.Boolean(),
          }),
        },
        problems: ['session_not_found', 'invalid_cursor', 'cursor_expired'],
      },
    },
    async (request) =>
      deps.sessions.events(request.principal, request.params.id, request.query.cursor, request.query.limit, request.query.direction),
  );
};
