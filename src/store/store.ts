/**
 * The storage boundary. Async so a PostgreSQL implementation fits behind it later. Every method
 * that changes state writes the change and the event(s) announcing it in one transaction, then
 * hands the committed events to `onEvents` listeners in log order.
 */
import type { AgentEvent, EscalationRequest, Message, QueueCounts, Run, Session, UsageTotals, Worktree } from '../protocol/schemas.js';
import type { RunState } from '../domain/run-states.js';
import type { ApprovalAction, ApprovalDecisionKind, ApprovalPolicy, ApprovalState, Grant } from '../domain/approval-policy.js';
import type { AnsweredBy, ApprovalRequest } from '../protocol/approvals.js';
import type { NewEvent } from '../protocol/events.js';
import type { SignInStore } from './sign-ins.js';
import type { BudgetDefaults, UsageRecord } from '../domain/usage.js';
import type { NotificationStore } from './notifications.js';

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
  /** Chosen before the insert when something outside the database is named after it (a worktree). */
  id?: string;
  title: string | null;
  provider: string;
  cwd: string;
  owner: string;
  parent_session_id?: string | null;
  parent_run_id?: string | null;
  /** Its git worktree (its own, or its parent's when shared). */
  worktree?: Omit<Worktree, 'removed_at'> | null;
  max_cost_usd?: number | null;
  max_tokens?: number | null;
  /** Unset: a child inherits its parent's; a root session follows the daemon's (null). */
  approval_policy?: ApprovalPolicy | null;
  approval_allow?: string[];
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
  usage?: UsageRecord | null;
  final_text?: string | null;
}

/** A run's usage as recorded, and the daemon's budget defaults (see domain/usage.ts). */
export type { BudgetDefaults, UsageRecord } from '../domain/usage.js';

/** Which runs a usage total covers. */
export interface UsageScope {
  /** This session only. */
  session?: string | undefined;
  /** This session and every session below it. */
  sessionTree?: string | undefined;
  /** Sessions of this owner only. */
  owner?: string | undefined;
  /** Runs that ended at or after this ISO time. */
  since?: string | undefined;
}

export interface SessionUsageRow extends UsageTotals {
  session_id: string;
  title: string | null;
  provider: string;
  parent_session_id: string | null;
  last_ended_at: string;
}

export interface TransitionOptions {
  /** Refuse with `state_mismatch` unless the run is in this state (compare-and-set). */
  expected?: RunState;
  patch?: RunPatch;
  reason?: string;
  /** With a usage patch: announce every session budget this run's usage crosses (session.budget_exceeded). */
  budgets?: BudgetDefaults;
}

/** An event to append, typed by the catalogue in protocol/events.ts. */
export type { NewEvent } from '../protocol/events.js';

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

export interface ApprovalFilter {
  state?: string | undefined;
  /** Only approvals asked by runs of this session. */
  sessionId?: string;
  /** Only approvals routed to this (parent) session. */
  parentSessionId?: string;
  runId?: string;
  /** Only approvals in sessions of this owner. */
  owner?: string;
  afterId?: string | undefined;
  limit?: number;
}

export interface SpawnInput {
  /** Chosen before the insert when the child's worktree is named after it. */
  id?: string;
  parentSessionId: string;
  parentRunId: string | null;
  owner: string;
  provider: string;
  cwd: string;
  title: string | null;
  task: string;
  worktree?: NewSession['worktree'];
}

export interface SpawnLimits {
  maxDepth: number;
  maxChildren: number;
}

/** An ask as stored (see providers/conversation.ts ApprovalAsk). */
export interface NewApproval {
  runId: string;
  attempt: number;
  key: string;
  action: ApprovalAction;
  command: string | null;
  cwd: string | null;
  tool: string | null;
  input: unknown;
  changes: { path: string; kind: string; diff: string | null }[] | null;
  reason: string | null;
  decisions: ApprovalDecisionKind[];
  text: string;
}

/** How an approval ends. An `approve_for_session` answer carries the grants it makes. */
export interface ApprovalOutcome {
  state: Exclude<ApprovalState, 'open'>;
  decision: ApprovalDecisionKind | null;
  message: string | null;
  answered_by: AnsweredBy;
  grants?: Grant[];
}

export type EventsListener = (events: AgentEvent[]) => void;

/** What one retention pass deleted. */
export interface PruneResult {
  sessions: number;
  events: number;
  messages: number;
  /** Every event at or below this position that belonged to an ended session is gone. */
  throughPosition: number;
}

export interface Store {
  readonly path: string;
  /** Browser sign-ins (session cookies). */
  readonly signIns: SignInStore;
  /** Webhooks, push subscriptions and the outbox; notifications are queued by the writes themselves. */
  readonly notifications: NotificationStore;
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
  listMessages(sessionId: string): Promise<Message[]>;

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
  // Browsing from the newest end (the web client; see sqlite/browse.ts).
  /** Events of one session strictly before `beforePosition` (the end when null), newest first. */
  listEventsBefore(sessionId: string, beforePosition: number | null, limit: number): Promise<AgentEvent[]>;
  /** The newest run of each given session that has one. */
  latestRuns(sessionIds: string[]): Promise<Run[]>;
  /** The id of the newest event in the whole log (null while empty): a cursor to follow changes from. */
  headEventId(): Promise<string | null>;

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
  /** sendToSession answering one request; its answer (also the one replayed) is that request. */
  respondToRequest(
    input: { sessionId: string; text: string; requestId: string },
    idem?: IdempotencyWrite,
  ): Promise<{ request: EscalationRequest; message: Message; run: Run }>;
  getRequest(id: string): Promise<EscalationRequest | undefined>;
  // Retention (sqlite/retention.ts): prefixes of ended sessions' logs are deleted.
  /** Deletes events and messages older than `cutoff` of sessions with no live run and no open request. */
  pruneEnded(cutoff: Date): Promise<PruneResult>;
  /** Gives free pages back to the file system, in small steps; returns how many. */
  vacuumFreePages(): Promise<number>;
  /** Once, before the first pass: lets the file give pages back (a full VACUUM if needed); true if it converted. */
  enableIncrementalVacuum(): Promise<boolean>;
  /** Highest event position retention deleted in this session (or in any of the owner's): cursors below it expired. */
  prunedThrough(scope: { sessionId: string } | { owner: string }): Promise<number>;
  /** A consistent copy of the whole database written to `destination` while the daemon runs. */
  backup(destination: string): Promise<{ lastEventId: string | null }>;
  /** Open requests by kind, daemon-wide (metrics). */
  countOpenRequests(): Promise<Record<string, number>>;
  listRequests(parentSessionId: string, state?: string): Promise<EscalationRequest[]>;
  /** Whether `sessionId` lies strictly below `ancestorId` in its session tree. */
  isDescendant(sessionId: string, ancestorId: string): Promise<boolean>;
  saveRunToken(runId: string, tokenHash: string): Promise<void>;

  // Workspaces and spend (see sqlite/worktrees.ts, sqlite/spend.ts).
  /** Sessions working in the worktree at `path` (its owner and the children sharing it). */
  worktreeSessions(path: string): Promise<Session[]>;
  /**
   * Marks the worktree removed on every session using it and announces it in each, in one
   * transaction; refuses with `worktree_busy` while any of them has a queued or running run.
   */
  markWorktreeRemoved(path: string, how: { forced: boolean; already_gone: boolean }): Promise<Session[]>;
  /** Queued and running runs of the sessions working in the worktree at `path`. */
  activeRunsInWorktree(path: string): Promise<Run[]>;
  setSessionBudget(sessionId: string, budget: { max_cost_usd: number | null; max_tokens: number | null }): Promise<Session>;
  usageTotals(scope: UsageScope): Promise<UsageTotals>;
  /** Each session's own usage (children not added in), most recently active first. */
  usageBySession(scope: UsageScope, limit: number): Promise<SessionUsageRow[]>;
  // Approvals (see sqlite/approvals.ts): each write one transaction with its events.
  /**
   * Records an ask: open (with `request.created`, and `child.request` in the parent session of a
   * child), or born settled when `outcome` is given (`request.answered` only). The same key within
   * the same attempt of the run returns the existing approval with `created: false`.
   */
  recordApproval(input: NewApproval, outcome?: ApprovalOutcome): Promise<{ request: ApprovalRequest; created: boolean }>;
  /** Settles an open approval (`request_already_answered` otherwise) with `request.answered`. */
  settleApproval(id: string, outcome: ApprovalOutcome, idem?: IdempotencyWrite): Promise<ApprovalRequest>;
  /** Settles every open approval of a run (all runs when null) the same way; returns those settled. */
  settleOpenApprovals(runId: string | null, outcome: ApprovalOutcome): Promise<ApprovalRequest[]>;
  getApproval(id: string): Promise<ApprovalRequest | undefined>;
  listApprovals(filter: ApprovalFilter): Promise<ApprovalRequest[]>;
  listGrants(sessionId: string): Promise<Grant[]>;
  countOpenApprovals(): Promise<number>;
  /** Escalations (not approvals) of sessions owned by `owner`, for the inbox. */
  listEscalationsForOwner(owner: string, filter: { state?: string | undefined; afterId?: string | undefined; limit: number }): Promise<EscalationRequest[]>;
  runIdForToken(tokenHash: string): Promise<string | undefined>;
}
