/**
 * Wire schemas, written once. Request validation, response serialization, /openapi.json and the
 * TypeScript types used by the server and by `src/client/` (via `import type`) all come from here.
 * A `title` names a schema: the OpenAPI document lists it once under `components.schemas` and
 * refers to it everywhere else (see src/gateway/openapi/).
 */
import { Type, type SchemaOptions, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import { RUN_STATES } from '../domain/run-states.js';
import { APPROVAL_POLICIES } from '../domain/approval-policy.js';

export const Nullable = <T extends TSchema>(schema: T, options?: SchemaOptions) => Type.Union([schema, Type.Null()], options);

type Literals<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> };
/** A union of string literals that keeps its literal type (its `Static` is the union, not `string`). */
export const literals = <const T extends readonly string[]>(values: T, options?: SchemaOptions): TUnion<Literals<T>> =>
  Type.Union(values.map((v) => Type.Literal(v)), options) as unknown as TUnion<Literals<T>>;

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO-8601 UTC' });

export const RunStateSchema = Type.Union(RUN_STATES.map((s) => Type.Literal(s)), { title: 'RunState' });
export const MessageRoleSchema = Type.Union([
  Type.Literal('user'),
  Type.Literal('assistant'),
  Type.Literal('system'),
], { title: 'MessageRole' });

export const WorktreeSchema = Type.Object(
  {
    path: Type.String({ description: "The worktree's top directory; the session works there (or in the same subdirectory as asked)" }),
    branch: Type.String({ description: 'The branch made for it; it stays when the worktree is removed' }),
    base_commit: Type.String({ description: 'The commit the branch was made from: what the session diff compares against' }),
    repository: Type.String({ description: 'The checkout it was made from' }),
    owner_session_id: Type.String({ description: 'The session that made it; a child sharing its parent\'s worktree names that ancestor' }),
    removed_at: Nullable(Timestamp, { description: 'When it was removed; later runs are refused' }),
  },
  { title: 'Worktree' },
);
export type Worktree = Static<typeof WorktreeSchema>;

export const SessionSchema = Type.Object(
  {
    id: Type.String(),
    title: Nullable(Type.String()),
    provider: Type.String(),
    cwd: Type.String(),
    owner: Type.String(),
    parent_session_id: Nullable(Type.String()),
    parent_run_id: Nullable(Type.String()),
    root_session_id: Type.String(),
    depth: Type.Integer(),
    thread_ids: Type.Record(Type.String(), Type.String(), {
      description: 'Provider conversation ids, keyed by provider; later runs resume them',
    }),
    last_seq: Type.Integer({ description: 'seq of the newest event in this session' }),
    worktree: Nullable(WorktreeSchema, { description: 'The git worktree the session works in, when it was created with one or shares its parent\'s' }),
    max_cost_usd: Nullable(Type.Number({ description: "This session's spend limit (with its children), USD; null: the daemon's --max-cost-per-session" })),
    max_tokens: Nullable(Type.Integer({ description: "This session's token limit (with its children); null: the daemon's --max-tokens-per-session" })),
    approval_policy: Nullable(literals(APPROVAL_POLICIES, {
      description: "The session's approval policy; null follows the daemon's --approval-policy",
    })),
    approval_allow: Type.Array(Type.String(), { description: "Command prefixes or tool names that never ask, added to the daemon's" }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'Session' },
);
export type Session = Static<typeof SessionSchema>;

export const MessageSchema = Type.Object(
  {
    id: Type.String(),
    session_id: Type.String(),
    role: MessageRoleSchema,
    text: Type.String(),
    run_id: Nullable(Type.String()),
    request_id: Nullable(Type.String()),
    created_at: Timestamp,
  },
  { title: 'Message' },
);
export type Message = Static<typeof MessageSchema>;

export const CostSourceSchema = Type.Union([Type.Literal('reported'), Type.Literal('estimated')], {
  title: 'CostSource',
  description: "reported: the agent CLI said what the run cost; estimated: agentd priced its tokens with its dated price table",
});

export const RunUsageSchema = Type.Object(
  {
    input_tokens: Type.Integer({ description: 'Every input token the model read, cached ones included' }),
    cached_input_tokens: Type.Integer({ description: 'Input tokens served from the prompt cache' }),
    output_tokens: Type.Integer({ description: 'Tokens the model wrote (reasoning included, as vendors count it)' }),
    reasoning_tokens: Nullable(Type.Integer(), { description: 'Of output_tokens, those spent reasoning; null when the CLI does not say' }),
    total_tokens: Type.Integer({ description: 'input_tokens + output_tokens: what --max-tokens-per-session counts' }),
    model: Nullable(Type.String()),
    cost_usd: Nullable(Type.Number()),
    cost_source: Nullable(CostSourceSchema),
    reported: Nullable(Type.Record(Type.String(), Type.Unknown()), { description: "The CLI's own usage figures, verbatim" }),
  },
  { title: 'RunUsage' },
);
export type RunUsage = Static<typeof RunUsageSchema>;

export const UsageTotalsSchema = Type.Object(
  {
    runs: Type.Integer({ description: 'Runs that recorded usage' }),
    input_tokens: Type.Integer(),
    cached_input_tokens: Type.Integer(),
    output_tokens: Type.Integer(),
    reasoning_tokens: Type.Integer({ description: 'Sum over the runs whose CLI reports it' }),
    total_tokens: Type.Integer(),
    cost_usd: Type.Number({ description: 'Sum of the costs known; a lower bound when runs_without_cost > 0' }),
    estimated: Type.Boolean({ description: 'Part of cost_usd is estimated from token counts' }),
    runs_without_cost: Type.Integer({ description: 'Runs with tokens but no cost: no price known for their model' }),
  },
  { title: 'UsageTotals' },
);
export type UsageTotals = Static<typeof UsageTotalsSchema>;

export const RunSchema = Type.Object(
  {
    id: Type.String(),
    session_id: Type.String(),
    state: RunStateSchema,
    provider: Type.String(),
    prompt: Type.String(),
    message_id: Nullable(Type.String()),
    parent_run_id: Nullable(Type.String()),
    worker_id: Nullable(Type.String()),
    pid: Nullable(Type.Integer()),
    exit_code: Nullable(Type.Integer()),
    error: Nullable(Type.String()),
    usage: Nullable(RunUsageSchema, { description: 'Tokens and cost, once the run ended and its CLI reported them' }),
    cost_usd: Nullable(Type.Number({ description: 'Same as usage.cost_usd' })),
    final_text: Nullable(Type.String()),
    attempt: Type.Integer({ description: 'How many times the run has been started' }),
    created_at: Timestamp,
    updated_at: Timestamp,
    started_at: Nullable(Timestamp),
    ended_at: Nullable(Timestamp),
  },
  { title: 'Run' },
);
export type Run = Static<typeof RunSchema>;

export const EventSchema = Type.Object(
  {
    id: Type.String({ description: 'Opaque cursor: pass it back as ?cursor= to get later events' }),
    session_id: Type.String(),
    seq: Type.Integer({ description: 'Per session, gap-free from 1' }),
    type: Type.String(),
    run_id: Type.Optional(Type.String()),
    ts: Timestamp,
    data: Type.Unknown(),
  },
  { title: 'Event' },
);
export type AgentEvent = Static<typeof EventSchema>;

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'A URI naming the problem, derived from code' }),
    title: Type.String({ description: 'Fixed per code' }),
    status: Type.Integer({ description: 'The HTTP status' }),
    detail: Type.String({ description: 'A sentence for people; may change' }),
    code: Type.String({ description: 'The stable key to branch on; each response lists the codes it can carry' }),
    instance: Type.Optional(Type.String({ description: 'The request path' })),
  },
  { additionalProperties: true, title: 'Problem' },
);
export type Problem = Static<typeof ProblemSchema>;

export const QueueCountsSchema = Type.Object({
  queued_count: Type.Integer(),
  running_count: Type.Integer(),
  interrupted_count: Type.Integer(),
  completed_count: Type.Integer(),
  failed_count: Type.Integer(),
  cancelled_count: Type.Integer(),
}, { title: 'QueueCounts' });
export type QueueCounts = Static<typeof QueueCountsSchema>;

export const CodexInvocationSchema = Type.Object({
  profile: Nullable(Type.String()),
  extra_args: Type.Array(Type.String()),
}, { title: 'CodexInvocation' });

export const WorkerSchema = Type.Object({
  id: Type.String(),
  alive: Type.Boolean(),
  run_id: Nullable(Type.String()),
  pid: Nullable(Type.Integer()),
}, { title: 'Worker' });
export type Worker = Static<typeof WorkerSchema>;

export const DaemonStatusSchema = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  pid: Type.Integer(),
  uptime_s: Type.Number(),
  started_at: Timestamp,
  db_path: Type.String(),
  max_concurrency: Type.Integer(),
  alive_workers: Type.Integer(),
  busy_workers: Type.Integer(),
  workers: Type.Array(WorkerSchema),
  queue_counts: QueueCountsSchema,
  codex_invocation: CodexInvocationSchema,
  default_provider: Type.String(),
  auth_enabled: Type.Boolean(),
  open_waits: Type.Integer({ description: 'Clients long-polling GET /runs/:id/wait right now' }),
  open_streams: Type.Integer({ description: 'Open WebSocket and SSE streams' }),
  usage: Type.Intersect([UsageTotalsSchema, Type.Object({ prices_as_of: Type.String({ description: 'Date of the price table estimated costs come from' }) })], {
    description: 'Every run this daemon recorded usage for, all owners',
  }),
  budgets: Type.Object({
    max_cost_usd_per_session: Nullable(Type.Number()),
    max_tokens_per_session: Nullable(Type.Integer()),
  }, { description: "The daemon's default limits per session (with its children); null = none" }),
  allowed_roots: Type.Array(Type.String(), { description: 'Directories sessions may work under; empty: any' }),
  open_approvals: Type.Integer({ description: 'Approvals waiting for an answer' }),
}, { title: 'DaemonStatus' });
export type DaemonStatus = Static<typeof DaemonStatusSchema>;

export const DiagnosticsSchema = Type.Object({
  run_id: Type.String(),
  state: RunStateSchema,
  worker_id: Nullable(Type.String()),
  worker_alive: Type.Boolean(),
  alive_workers: Type.Integer(),
  max_concurrency: Type.Integer(),
  queue_counts: QueueCountsSchema,
  queue_position: Nullable(Type.Integer({ description: '1-based position among queued runs' })),
  active_pid: Nullable(Type.Integer()),
  seconds_since_output: Nullable(Type.Number()),
  seconds_running: Nullable(Type.Number()),
  provider: Type.String(),
  codex_invocation: CodexInvocationSchema,
  likely_issue: Type.String({ description: 'Plain words on why the run is where it is' }),
  waiting_for_approval: Nullable(Type.Object({
    request_id: Type.String(),
    since: Timestamp,
    text: Type.String({ description: 'what the agent asks' }),
  }, { description: 'The oldest open approval the run waits for' })),
}, { title: 'Diagnostics' });
export type Diagnostics = Static<typeof DiagnosticsSchema>;

export const REQUEST_KINDS = ['approval_request', 'permission_request', 'question', 'progress', 'result'] as const;
export const RequestKindSchema = Type.Union(REQUEST_KINDS.map((k) => Type.Literal(k)), { title: 'RequestKind' });

export const RequestSchema = Type.Object({
  id: Type.String(),
  parent_session_id: Type.String(),
  child_session_id: Type.String(),
  child_run_id: Type.String(),
  kind: RequestKindSchema,
  text: Type.String(),
  state: Type.Union([Type.Literal('open'), Type.Literal('answered'), Type.Literal('noted')], {
    description: 'open until answered; progress and result are noted and need no answer',
  }),
  message_id: Type.String({ description: 'The message written into the parent session' }),
  answer_text: Nullable(Type.String()),
  answer_message_id: Nullable(Type.String()),
  answer_run_id: Nullable(Type.String()),
  created_at: Timestamp,
  answered_at: Nullable(Timestamp),
}, { title: 'Request' });
export type EscalationRequest = Static<typeof RequestSchema>;
