import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { SessionSchema } from '../../protocol/schemas.js';
import { SessionDiffSchema, UsageReportSchema } from '../../protocol/workspaces.js';
import { AppError } from '../../domain/errors.js';
import type { GatewayDeps } from '../deps.js';

const SessionParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const Limit = (description: string) => Type.Union([Type.Number({ minimum: 0, maximum: 1e9 }), Type.Null()], { description });

/** A session's worktree (diff, removal), its budget, and usage reports (issue 17). */
export const workspaceRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  app.get(
    '/sessions/:id/diff',
    {
      schema: {
        operationId: 'diffSession',
        summary: "What the session changed in its worktree against the base commit: commits and uncommitted changes, new files included",
        params: SessionParams,
        problems: ['session_not_found', 'no_worktree', 'worktree_failed', 'git_unavailable'],
        response: { 200: SessionDiffSchema },
      },
    },
    async (request) => deps.workspaces.diff(await deps.sessions.visible(request.principal, request.params.id)),
  );

  app.delete(
    '/sessions/:id/worktree',
    {
      schema: {
        operationId: 'removeWorktree',
        summary: "Remove the session's worktree (its branch stays); refused while a run is queued or running in it, and with uncommitted changes unless force",
        params: SessionParams,
        querystring: Type.Object({ force: Type.Boolean({ default: false, description: 'Discard uncommitted changes' }) }),
        problems: ['session_not_found', 'forbidden', 'no_worktree', 'worktree_busy', 'worktree_dirty', 'worktree_failed', 'git_unavailable'],
        response: { 200: Type.Object({ session: SessionSchema }) },
      },
    },
    async (request) => {
      const session = await deps.sessions.visible(request.principal, request.params.id);
      return deps.workspaces.remove(request.principal, session, request.query.force);
    },
  );

  app.put(
    '/sessions/:id/budget',
    {
      schema: {
        operationId: 'setSessionBudget',
        summary: "Set the session's own spend limits (with its children); null falls back to the daemon's, 0 means none",
        params: SessionParams,
        body: Type.Object(
          {
            max_cost_usd: Limit('USD; null: the daemon\'s --max-cost-per-session; 0: no limit'),
            max_tokens: Type.Union([Type.Integer({ minimum: 0, maximum: 1e15 }), Type.Null()], { description: "null: the daemon's --max-tokens-per-session; 0: no limit" }),
          },
          { additionalProperties: false },
        ),
        problems: ['session_not_found', 'forbidden'],
        response: { 200: Type.Object({ session: SessionSchema }) },
      },
    },
    async (request) => {
      const session = await deps.sessions.visible(request.principal, request.params.id);
      return { session: await deps.spend.setBudget(request.principal, session, request.body) };
    },
  );

  app.get(
    '/usage',
    {
      schema: {
        operationId: 'getUsage',
        summary: "Tokens and cost of the caller's runs: totals, and each session's own share",
        querystring: Type.Object({
          since: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only runs that ended at or after this ISO-8601 time' })),
          session_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only this session and the sessions below it' })),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Most session rows (totals cover all)' }),
        }),
        problems: ['session_not_found', 'forbidden', 'validation_failed'],
        response: { 200: UsageReportSchema },
      },
    },
    async (request) => {
      const { session_id: sessionId, limit } = request.query;
      const since = request.query.since === undefined ? undefined : Date.parse(request.query.since);
      if (since !== undefined && Number.isNaN(since)) throw new AppError('validation_failed', `querystring /since "${request.query.since}" is not an ISO-8601 time`);
      if (sessionId !== undefined) await deps.sessions.visible(request.principal, sessionId);
      else deps.sessions.access.requireOperator(request.principal, 'read usage beyond its own session tree; pass session_id');
      const from = since === undefined ? undefined : new Date(since).toISOString();
      const report = await deps.spend.report(request.principal, { since: from, sessionTree: sessionId, limit });
      return { since: from ?? null, session_id: sessionId ?? null, ...report };
    },
  );
};
