/**
 * The catalogue of event types: every `type` the daemon writes into a session's log, with the
 * shape of its `data`. It is the one source for three things:
 * - `NewEvent`, the type every writer of events (store, runtime, providers) must produce, so an
 *   event type or a data field missing here fails the build;
 * - the OpenAPI document's `Event`, a union discriminated by `type` (see gateway/openapi);
 * - `TypedEvent`, for clients that want `data` typed by `type`.
 *
 * Responses are still serialized with the plain envelope (`EventSchema`, `data` unknown): a
 * union of this size in the serializer would be tried branch by branch for every event sent.
 */
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { RUN_STATES, type RunState } from '../domain/run-states.js';
import { MessageSchema, Nullable, RunSchema, RunStateSchema, SessionSchema, Timestamp, WorktreeSchema } from './schemas.js';
import { AnyRequestSchema, ApprovalRequestSchema } from './approvals.js';

/** What the agent printed, one item; codex's items pass through whole, with more fields by `type`. */
export interface AgentItem {
  id: string;
  type: string;
  [field: string]: unknown;
}
export const AgentItemSchema = Type.Unsafe<AgentItem>(
  Type.Object(
    {
      id: Type.String(),
      type: Type.String({ description: 'codex: agent_message, reasoning, command_execution, file_change, …; claude: agent_message, tool_use, reasoning, tool_result; command: text' }),
    },
    { additionalProperties: true, title: 'AgentItem' },
  ),
);

const RunChange = Type.Object(
  {
    run: RunSchema,
    from: Nullable(RunStateSchema, { description: 'The state before; null for a new run' }),
    reason: Type.Optional(Type.String({ description: 'Why, when someone or something said (cancel, timeout, failure, recovery)' })),
  },
  { title: 'RunChange' },
);

const runEvents = Object.fromEntries(RUN_STATES.map((state) => [`run.${state}`, RunChange])) as Record<`run.${RunState}`, typeof RunChange>;

/** `data` of each event type, in the order the api contract lists them. */
export const EVENT_DATA = {
  'session.created': Type.Object({ session: SessionSchema }, { description: 'The session as created (its last_seq is 0)' }),
  'session.thread': Type.Object(
    { provider: Type.String(), thread_id: Type.String() },
    { description: 'The provider reported its conversation id; later runs resume it' },
  ),
  'session.worktree_removed': Type.Object(
    {
      worktree: WorktreeSchema,
      forced: Type.Boolean({ description: 'Uncommitted changes were discarded' }),
      already_gone: Type.Boolean({ description: 'The directory had been deleted outside agentd' }),
    },
    { description: "The session's worktree was removed; its branch stays. Later runs are refused" },
  ),
  'session.budget': Type.Object(
    { max_cost_usd: Nullable(Type.Number()), max_tokens: Nullable(Type.Integer()) },
    { description: "The session's own spend limits were set (null: the daemon's defaults)" },
  ),
  'session.budget_exceeded': Type.Object(
    {
      limit: Type.Union([Type.Literal('max_cost_usd'), Type.Literal('max_tokens')]),
      max: Type.Number(),
      spent: Type.Number({ description: 'Spend of the session and everything below it, after this run' }),
      run_id: Type.String({ description: 'The run whose usage crossed the limit (it was let finish)' }),
      run_session_id: Type.String({ description: 'Its session: this one or one below it' }),
    },
    { description: 'A finished run took this session (with its children) to or over a limit; it takes no new run now' },
  ),
  'message.created': Type.Object({ message: MessageSchema }),
  ...runEvents,
  'run.process': Type.Object(
    {
      pid: Type.Integer(),
      resumed_thread: Nullable(Type.String(), { description: 'The thread id passed to the agent, or null for a first turn' }),
    },
    { description: 'The agent process started' },
  ),
  'run.item': Type.Object(
    {
      phase: Type.Union([Type.Literal('started'), Type.Literal('updated'), Type.Literal('delta'), Type.Literal('completed')], {
        description: '`delta` (codex): `item.delta` is text to append to the item while it streams; its `completed` item has it whole',
      }),
      item: AgentItemSchema,
    },
    { description: 'One item of the agent output' },
  ),
  'run.provider_error': Type.Object(
    { event: Type.Record(Type.String(), Type.Unknown(), { description: "codex's own words, verbatim: its error notification's params, or the request it refused with the error" }) },
    { description: 'codex reported a failure it will not retry; the run will fail' },
  ),
  'child.spawned': Type.Object({ session: SessionSchema, run: RunSchema }, { description: 'A child session was spawned from this session' }),
  'child.request': Type.Object({ request: AnyRequestSchema }, { description: "A child run escalated to this session, or a child's agent asks for approval (kind approval)" }),
  'request.created': Type.Object({ request: ApprovalRequestSchema }, { description: 'An agent of this session asks for approval and waits (in the asking session)' }),
  'request.answered': Type.Object({ request: AnyRequestSchema }, {
    description: "A request was settled: a child's escalation answered, or an approval answered, expired or cancelled (in the asking session and, when routed there, the parent)",
  }),
  'child.completed': Type.Object(
    {
      child_session_id: Type.String(),
      child_run_id: Type.String(),
      parent_run_id: Nullable(Type.String()),
      state: RunStateSchema,
      final_text: Nullable(Type.String()),
      error: Nullable(Type.String()),
    },
    { description: "A child session's run ended" },
  ),
} satisfies Record<string, TObject>;

export type EventType = keyof typeof EVENT_DATA;
export const EVENT_TYPES = Object.keys(EVENT_DATA) as EventType[];

/** What a writer appends: the type and its data; the store adds id, seq, run_id and ts. */
export type NewEvent = { [T in EventType]: { type: T; data: Static<(typeof EVENT_DATA)[T]> } }[EventType];

/** Event types whose `run_id` is always set; for the others it is set only when a run is involved. */
const ALWAYS_WITH_RUN = (type: EventType) => type.startsWith('run.');

/** `session.created` → `SessionCreatedEvent`: the name of its variant in the document. */
export function eventSchemaName(type: EventType): string {
  return `${type.split(/[._]/).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')}Event`;
}

function variant<T extends EventType>(type: T) {
  const runId = Type.String({ description: 'The run it concerns' });
  return Type.Object(
    {
      id: Type.String({ description: 'Opaque cursor: pass it back as ?cursor= to get later events' }),
      session_id: Type.String(),
      seq: Type.Integer({ description: 'Per session, gap-free from 1' }),
      type: Type.Literal(type),
      run_id: ALWAYS_WITH_RUN(type) ? runId : Type.Optional(runId),
      ts: Timestamp,
      data: EVENT_DATA[type] as TSchema,
    },
    { title: eventSchemaName(type) },
  );
}

/** Every event as it is read back: one variant per type, told apart by `type`. */
export const EventVariants = EVENT_TYPES.map(variant);
export const TypedEventSchema = Type.Union(EventVariants, { title: 'Event' });

/** An event with `data` typed by its `type` (narrow with `switch (event.type)`). */
export type TypedEvent = { [T in EventType]: Omit<Static<ReturnType<typeof variant<T>>>, 'data'> & { data: Static<(typeof EVENT_DATA)[T]> } }[EventType];
