import { AppError } from '../domain/errors.js';
import { eventIdFromPosition, newId, positionFromEventId } from '../domain/ids.js';
import type { AgentEvent, Message, Run, Session } from '../protocol/schemas.js';
import type { IdempotencyWrite, Page, Store } from '../store/store.js';
import type { Principal } from '../domain/principal.js';
import type { Access } from './access.js';
import type { WorkspaceService, WorktreeRequest } from './workspaces.js';
import type { SpendService } from './spend.js';
import type { ApprovalPolicy } from '../domain/approval-policy.js';

export interface SessionServiceOptions {
  defaultProvider: string;
  /** Providers a session may name; a provider that is not configured is refused at creation. */
  availableProviders: () => string[];
  defaultCwd: string;
  workspaces: WorkspaceService;
  spend: SpendService;
}

export interface CreateSessionInput extends WorktreeRequest {
  title?: string | undefined;
  provider?: string | undefined;
  cwd?: string | undefined;
  approval_policy?: ApprovalPolicy | undefined;
  approval_allow?: string[] | undefined;
  max_cost_usd?: number | undefined;
  max_tokens?: number | undefined;
}

/** Domain rules for sessions and their messages; routes stay thin. */
export class SessionService {
  constructor(
    private readonly store: Store,
    readonly access: Access,
    private readonly opts: SessionServiceOptions,
  ) {}

  /** A session the principal may see. Another owner's session is reported missing, not forbidden. */
  async visible(principal: Principal, id: string): Promise<Session> {
    const session = await this.store.getSession(id);
    if (!session || !this.access.canSee(principal, session)) {
      throw new AppError('session_not_found', `session ${id} does not exist`);
    }
    return session;
  }

  checkProvider(provider: string): void {
    const available = this.opts.availableProviders();
    if (!available.includes(provider)) {
      throw new AppError('unknown_provider', `provider "${provider}" is not available; choose one of: ${available.join(', ')}`);
    }
  }

  get workspaces(): WorkspaceService {
    return this.opts.workspaces;
  }

  get spend(): SpendService {
    return this.opts.spend;
  }

  /**
   * Whether `session` may take a new run: its worktree is still there, and neither it nor any
   * session above it has spent its budget. Every path that queues a run asks first.
   */
  async admitRun(session: Session): Promise<void> {
    this.opts.workspaces.admit(session);
    await this.opts.spend.admit(session);
  }

  async create(principal: Principal, input: CreateSessionInput, idem?: IdempotencyWrite): Promise<{ session: Session }> {
    this.access.requireOperator(principal, 'create top-level sessions; spawn a child instead');
    const provider = input.provider ?? this.opts.defaultProvider;
    this.checkProvider(provider);
    const wantsWorktree = this.opts.workspaces.wants(input);
    const cwd = this.opts.workspaces.placeCwd(principal, input.cwd ?? this.opts.defaultCwd, this.opts.defaultCwd);
    const base = {
      title: input.title ?? null, provider, owner: principal.id,
      approval_policy: input.approval_policy ?? null,
      approval_allow: [...new Set((input.approval_allow ?? []).map((rule) => rule.trim()).filter(Boolean))],
      max_cost_usd: input.max_cost_usd ?? null, max_tokens: input.max_tokens ?? null,
    };
    if (!wantsWorktree) return { session: await this.store.createSession({ ...base, cwd }, idem) };
    // The id names the worktree's directory and branch, so it is chosen before the insert.
    const id = newId('ses');
    const wt = await this.opts.workspaces.make(id, cwd, input);
    try {
      const worktree = { path: wt.path, branch: wt.branch, base_commit: wt.base_commit, repository: wt.repository, owner_session_id: id };
      return { session: await this.store.createSession({ ...base, id, cwd: wt.cwd, worktree }, idem) };
    } catch (err) {
      await this.opts.workspaces.discard(wt);
      throw err;
    }
  }

  /**
   * The position to read after: the cursor's, unless retention deleted events after it, which is
   * `410 cursor_expired` with the oldest cursor still valid (a silent gap would break the resume
   * contract). `sessionId` null is the caller's global stream.
   */
  async availableAfter(principal: Principal, sessionId: string | null, cursor: string | null | undefined): Promise<number> {
    const after = parseCursor(cursor ?? undefined);
    if (!cursor) return after;
    const floor = await this.store.prunedThrough(sessionId ? { sessionId } : { owner: principal.id });
    if (after < floor) {
      const oldest = eventIdFromPosition(floor);
      throw new AppError('cursor_expired', `events after ${cursor} were deleted by retention; resume from ${oldest}`, { oldest_cursor: oldest });
    }
    return after;
  }

  async list(principal: Principal, limit: number, cursor: string | undefined): Promise<Page<Session>> {
    this.access.requireOperator(principal, 'list sessions');
    return this.store.listSessions(principal.id, { limit, cursor });
  }

  /**
   * A page of sessions with each one's newest run, and the log's end as a stream cursor. The cursor
   * is read first: whatever changes after it is on the stream from it, so a client that applies
   * the page and then follows the stream misses nothing (it may see a change twice; a newer run
   * state always comes later in the log).
   */
  async listWithActivity(principal: Principal, limit: number, cursor: string | undefined) {
    this.access.requireOperator(principal, 'list sessions');
    const streamCursor = await this.store.headEventId();
    const page = await this.store.listSessions(principal.id, { limit, cursor });
    const runs = await this.store.latestRuns(page.items.map((s) => s.id));
    return { page, activity: { latest_runs: Object.fromEntries(runs.map((r) => [r.session_id, r])), stream_cursor: streamCursor } };
  }

  async postMessage(
    principal: Principal,
    sessionId: string,
    input: { role: Message['role']; text: string },
    idem?: IdempotencyWrite,
  ): Promise<{ message: Message; run: Run | null }> {
    const session = await this.visible(principal, sessionId);
    await this.access.requireBelow(principal, session.id, 'post messages to');
    // A user message is a turn for the agent: it queues a run. Other roles are only recorded.
    const run = input.role === 'user' ? { provider: session.provider, prompt: input.text } : undefined;
    if (run) await this.admitRun(session);
    return this.store.postMessage({ session_id: session.id, role: input.role, text: input.text, run }, idem);
  }

  async listMessages(principal: Principal, sessionId: string): Promise<Message[]> {
    await this.visible(principal, sessionId);
    return this.store.listMessages(sessionId);
  }

  /**
   * A page of the log, oldest first. Forward: strictly after `cursor`. Backward (reading a long
   * session from its newest end): the `limit` events strictly before `cursor`, or before the end
   * without one; `next_cursor` is then the oldest event returned, to page further back.
   */
  async events(
    principal: Principal,
    sessionId: string,
    cursor: string | undefined,
    limit: number,
    direction: 'forward' | 'backward' = 'forward',
  ): Promise<{ events: AgentEvent[]; next_cursor: string | null; has_more: boolean }> {
    await this.visible(principal, sessionId);
    if (direction === 'backward') {
      // What retention deleted is simply not there: paging back ends at the oldest event kept.
      const before = cursor ? parseCursor(cursor) : null;
      const rows = await this.store.listEventsBefore(sessionId, before, limit + 1);
      const events = rows.slice(0, limit).reverse();
      return { events, next_cursor: events[0]?.id ?? (cursor || null), has_more: rows.length > limit };
    }
    const after = await this.availableAfter(principal, sessionId, cursor);
    const rows = await this.store.listEvents(sessionId, after, limit + 1);
    const events = rows.slice(0, limit);
    const last = events[events.length - 1];
    return { events, next_cursor: last ? last.id : (cursor ?? null), has_more: rows.length > limit };
  }
}

/** A cursor is an event id; no cursor means "from the beginning" (the oldest event retention kept). */
export function parseCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  const position = positionFromEventId(cursor);
  if (position === undefined) throw new AppError('invalid_cursor', `cursor "${cursor}" is not one this server issued`);
  return position;
}
