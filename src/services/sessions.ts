import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { AppError } from '../domain/errors.js';
import { eventIdFromPosition, positionFromEventId } from '../domain/ids.js';
import type { AgentEvent, Message, Run, Session } from '../protocol/schemas.js';
import type { IdempotencyWrite, Page, Store } from '../store/store.js';
import type { Principal } from '../domain/principal.js';
import type { Access } from './access.js';
import type { ApprovalPolicy } from '../domain/approval-policy.js';

export interface SessionServiceOptions {
  defaultProvider: string;
  /** Providers a session may name; a provider that is not configured is refused at creation. */
  availableProviders: () => string[];
  defaultCwd: string;
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

  resolveCwd(cwd: string | undefined): string {
    if (cwd === undefined) return this.opts.defaultCwd;
    const path = isAbsolute(cwd) ? cwd : resolve(this.opts.defaultCwd, cwd);
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) throw new AppError('invalid_cwd', `cwd ${path} is not an existing directory`);
    return path;
  }

  async create(
    principal: Principal,
    input: {
      title?: string | undefined; provider?: string | undefined; cwd?: string | undefined;
      approval_policy?: ApprovalPolicy | undefined; approval_allow?: string[] | undefined;
    },
    idem?: IdempotencyWrite,
  ): Promise<{ session: Session }> {
    this.access.requireOperator(principal, 'create top-level sessions; spawn a child instead');
    const provider = input.provider ?? this.opts.defaultProvider;
    this.checkProvider(provider);
    const cwd = this.resolveCwd(input.cwd);
    const session = await this.store.createSession({
      title: input.title ?? null, provider, cwd, owner: principal.id,
      approval_policy: input.approval_policy ?? null,
      approval_allow: [...new Set((input.approval_allow ?? []).map((rule) => rule.trim()).filter(Boolean))],
    }, idem);
    return { session };
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
    return this.store.postMessage({ session_id: session.id, role: input.role, text: input.text, run }, idem);
  }

  /** A page of the session's messages after `cursor` (a message id), oldest first. */
  async listMessages(
    principal: Principal,
    sessionId: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ messages: Message[]; next_cursor: string | null; has_more: boolean }> {
    await this.visible(principal, sessionId);
    if (cursor !== undefined && cursor !== '' && !MESSAGE_ID.test(cursor)) {
      throw new AppError('invalid_cursor', `cursor "${cursor}" is not a message id`);
    }
    const rows = await this.store.listMessages(sessionId, cursor || undefined, limit + 1);
    const messages = rows.slice(0, limit);
    const last = messages[messages.length - 1];
    return { messages, next_cursor: last ? last.id : (cursor || null), has_more: rows.length > limit };
  }

  async events(
    principal: Principal,
    sessionId: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ events: AgentEvent[]; next_cursor: string | null; has_more: boolean }> {
    await this.visible(principal, sessionId);
    const after = await this.availableAfter(principal, sessionId, cursor);
    const rows = await this.store.listEvents(sessionId, after, limit + 1);
    const events = rows.slice(0, limit);
    const last = events[events.length - 1];
    return { events, next_cursor: last ? last.id : (cursor ?? null), has_more: rows.length > limit };
  }
}

const MESSAGE_ID = /^msg_[0-9a-z]{26}$/;

/** A cursor is an event id; no cursor means "from the beginning" (the oldest event retention kept). */
export function parseCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  const position = positionFromEventId(cursor);
  if (position === undefined) throw new AppError('invalid_cursor', `cursor "${cursor}" is not one this server issued`);
  return position;
}
