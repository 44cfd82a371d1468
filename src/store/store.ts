/**
 * The storage boundary. Async so a PostgreSQL implementation fits behind it later. Every method
 * that changes state writes the change and the event(s) announcing it in one transaction, then
 * hands the committed events to `onEvents` listeners in log order.
 */
import type { AgentEvent, EscalationRequest, Message, QueueCounts, Run, Session } from '../protocol/schemas.js';
import type { StoredFrame } from '../protocol/event-json.js';
import type { RunState } from '../domain/run-states.js';

/** What an idempotent request stores: written with its effect, in the same transaction. */
export interface IdempotencyWrite {
  principal: string;
  route: string;
  key: string;
  requestHash: string;
  status: number;
}

export interface StoredResponse {
  requestHash: string;
  status: number;
  body: unknown;
}

export interface NewSession {
  title: string | null;
  provider: string;
  cwd: string;
  owner: string;
  parent_session_id?: string | null;
  parent_run_id?: string | null;
}

export interface NewRun {
  provider: string;
  prompt: string;
  parent_run_id?: string | null;
}

export interface NewMessage {
  session_id: string;
  role: Message['role'];
  text: string;
  request_id?: string | null;
  /** When set, a run is queued for this message in the same transaction. */
  run?: NewRun;
}

export interface RunPatch {
  worker_id?: string | null;
  pid?: number | null;
  pgid?: number | null;
  proc_start?: string | null;
  exit_code?: number | null;
  error?: string | null;
  usage?: Record<string, unknown> | null;
  cost_usd?: number | null;
  final_text?: string | null;
}

export interface TransitionOptions {
  /** Refuse with `state_mismatch` unless the run is in this state (compare-and-set). */
  expected?: RunState;
  patch?: RunPatch;
  reason?: string;
}

export interface NewEvent {
  type: string;
  data: unknown;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** A run with the process bookkeeping recovery needs; not part of the wire shape. */
export interface RunWithPgid extends Run {
  pgid: number | null;
  proc_start: string | null;
}

export interface SessionScope {
  id: string;
  owner: string;
  root_session_id: string;
}

export interface SpawnInput {
  parentSessionId: string;
  parentRunId: string | null;
  owner: string;
  provider: string;
  cwd: string;
  title: string | null;
  task: string;
}

export interface SpawnLimits {
  maxDepth: number;
  maxChildren: number;
}

export type EventsListener = (events: AgentEvent[]) => void;

export interface Store {
  readonly path: string;
  close(): Promise<void>;
  onEvents(listener: EventsListener): () => void;

  getIdempotent(principal: string, route: string, key: string): Promise<StoredResponse | undefined>;
  pruneIdempotency(olderThan: Date): Promise<number>;

  createSession(input: NewSession, idem?: IdempotencyWrite): Promise<Session>;
  getSession(id: string): Promise<Session | undefined>;
  /** Owner and tree of every session, for filtering the global stream. */
  listSessionScopes(): Promise<SessionScope[]>;
  listSessions(owner: string, opts: { limit: number; cursor?: string | undefined }): Promise<Page<Session>>;
  setThreadId(sessionId: string, provider: string, threadId: string): Promise<Session>;

  postMessage(input: NewMessage, idem?: IdempotencyWrite): Promise<{ message: Message; run: Run | null }>;
  /** Messages of a session after the one with id `afterId` (from the first without), oldest first. */
  listMessages(sessionId: string, afterId: string | undefined, limit: number): Promise<Message[]>;

  createRun(sessionId: string, input: NewRun, idem?: IdempotencyWrite): Promise<Run>;
  getRun(id: string): Promise<RunWithPgid | undefined>;
  listRunsByState(state: RunState): Promise<RunWithPgid[]>;
  /** Queued runs whose session has no running run, each session's oldest only, oldest first. */
  listDispatchable(limit: number): Promise<Run[]>;
  queuePosition(runId: string): Promise<number | null>;
  countRuns(): Promise<QueueCounts>;
  transitionRun(runId: string, to: RunState, opts?: TransitionOptions): Promise<Run>;
  /** Record fields of an active run (pid once spawned) and announce them with one event. */
  updateRun(runId: string, patch: RunPatch, event?: NewEvent): Promise<Run>;

  appendEvents(sessionId: string, runId: string | null, events: NewEvent[]): Promise<AgentEvent[]>;
  /** Events of one session strictly after `afterPosition`, in order. */
  listEvents(sessionId: string, afterPosition: number, limit: number): Promise<AgentEvent[]>;
  /** Events of every session owned by `owner` strictly after `afterPosition` (global order). */
  listEventsForOwner(owner: string | null, afterPosition: number, limit: number): Promise<AgentEvent[]>;
  /** `listEvents` or `listEventsForOwner` as wire JSON, for streams: a session's, or an owner's. */
  listEventFrames(scope: { sessionId: string } | { owner: string }, afterPosition: number, limit: number): Promise<StoredFrame[]>;

  // Agent-to-agent: each one transaction with its events (see sqlite/delegation.ts).
  spawnChild(input: SpawnInput, limits: SpawnLimits, idem?: IdempotencyWrite): Promise<{ session: Session; run: Run }>;
  replyParent(
    input: { runId: string; kind: EscalationRequest['kind']; text: string },
    idem?: IdempotencyWrite,
  ): Promise<{ request: EscalationRequest; message: Message }>;
  sendToSession(
    input: { sessionId: string; text: string; requestId?: string | undefined },
    idem?: IdempotencyWrite,
  ): Promise<{ message: Message; run: Run; answered: EscalationRequest[] }>;
  getRequest(id: string): Promise<EscalationRequest | undefined>;
  listRequests(parentSessionId: string, state?: string): Promise<EscalationRequest[]>;
  /** Whether `sessionId` lies strictly below `ancestorId` in its session tree. */
  isDescendant(sessionId: string, ancestorId: string): Promise<boolean>;
  saveRunToken(runId: string, tokenHash: string): Promise<void>;
  runIdForToken(tokenHash: string): Promise<string | undefined>;
}
