/** Wire schemas of workspaces and spend (issue 17): session diffs, usage reports, budgets. */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, SessionSchema, UsageTotalsSchema, WorktreeSchema } from './schemas.js';

export const DiffFileSchema = Type.Object(
  {
    path: Type.String(),
    status: Type.String({ description: 'A added, M modified, D deleted, T type changed (renames show as D + A)' }),
    insertions: Nullable(Type.Integer(), { description: 'null for a binary file' }),
    deletions: Nullable(Type.Integer()),
  },
  { title: 'DiffFile' },
);

export const WorktreeDiffSchema = Type.Object(
  {
    base_commit: Type.String(),
    head_commit: Type.String({ description: "The branch's commit now" }),
    commits: Type.Integer({ description: 'Commits on the branch since the base' }),
    uncommitted: Type.Boolean({ description: 'The worktree holds changes not committed yet; they are part of this diff' }),
    files: Type.Array(DiffFileSchema),
    insertions: Type.Integer(),
    deletions: Type.Integer(),
    patch: Type.String({ description: 'Unified diff against the base (new files included), cut at 8 MiB' }),
    truncated: Type.Boolean({ description: 'patch was cut; files and counts are complete' }),
  },
  { title: 'WorktreeDiff' },
);
export type WorktreeDiff = Static<typeof WorktreeDiffSchema>;

export const SessionDiffSchema = Type.Object({
  session_id: Type.String(),
  worktree: WorktreeSchema,
  diff: WorktreeDiffSchema,
});

export const BudgetSchema = Type.Object(
  {
    max_cost_usd: Nullable(Type.Number(), { description: 'The limit in force (the session\'s own, else the daemon\'s); null = none' }),
    max_tokens: Nullable(Type.Integer()),
    exceeded: Nullable(Type.Union([Type.Literal('max_cost_usd'), Type.Literal('max_tokens')]), {
      description: 'The limit the session with its children has reached: it takes no new run',
    }),
  },
  { title: 'Budget' },
);

export const SessionUsageSchema = Type.Object(
  {
    own: UsageTotalsSchema,
    with_children: UsageTotalsSchema,
  },
  { title: 'SessionUsage', description: "The session's runs alone, and with every session below it" },
);

/** `GET /sessions/{id}`: the session, what it spent and its budget. */
export const SessionReportSchema = Type.Object({ session: SessionSchema, usage: SessionUsageSchema, budget: BudgetSchema });

export const UsageRowSchema = Type.Intersect(
  [
    Type.Object({
      session_id: Type.String(),
      title: Nullable(Type.String()),
      provider: Type.String(),
      parent_session_id: Nullable(Type.String()),
      last_ended_at: Type.String({ format: 'date-time', description: 'When its latest counted run ended' }),
    }),
    UsageTotalsSchema,
  ],
  { title: 'UsageRow', description: "One session's own usage (children have rows of their own)" },
);

export const UsageReportSchema = Type.Object({
  since: Nullable(Type.String({ format: 'date-time' })),
  session_id: Nullable(Type.String()),
  totals: UsageTotalsSchema,
  sessions: Type.Array(UsageRowSchema),
  prices_as_of: Type.String({ description: 'Date of the price table estimated costs come from' }),
});
