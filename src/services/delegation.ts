import { AppError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import type { EscalationRequest, Message, Run, Session } from '../protocol/schemas.js';
import { newId } from '../domain/ids.js';
import type { IdempotencyWrite, SpawnLimits, Store } from '../store/store.js';
import { isWithin } from '../workspaces/roots.js';
import type { WorktreeRequest } from './workspaces.js';
import type { RunService } from './runs.js';
import type { SessionService } from './sessions.js';

export interface SpawnRequest extends WorktreeRequest {
  task: string;
  provider?: string | undefined;
  cwd?: string | undefined;
  title?: string | undefined;
}

/** Agent-to-agent rules: spawning children, sending them work, escalations and their answers. */
export class DelegationService {
  constructor(
    private readonly store: Store,
    private readonly sessions: SessionService,
    private readonly runs: RunService,
    private readonly limits: SpawnLimits,
  ) {}

  private get access() {
    return this.sessions.access;
  }

  private async spawn(principal: Principal, parent: Session, parentRunId: string | null, input: SpawnRequest, idem?: IdempotencyWrite) {
    // A child inherits its parent's agent and working directory unless told otherwise; a
    // relative cwd is relative to the parent's.
    const provider = input.provider ?? parent.provider;
    this.sessions.checkProvider(provider);
    const workspaces = this.sessions.workspaces;
    const wantsWorktree = workspaces.wants(input);
    const cwd = input.cwd === undefined ? parent.cwd : workspaces.placeCwd(principal, input.cwd, parent.cwd, parent);
    const child = { parentSessionId: parent.id, parentRunId, owner: parent.owner, provider, title: input.title ?? null, task: input.task };
    // Working inside the parent's worktree is sharing it: removing it then waits for the child too.
    const shared = !wantsWorktree && parent.worktree && isWithin(parent.worktree.path, cwd) ? parent.worktree : null;
    // The child's first run is queued with it: a budget spent above it, or a shared worktree that
    // is gone, refuses the spawn.
    await this.sessions.admitRun({ ...parent, worktree: shared });
    if (!wantsWorktree) {
      const worktree = shared && { path: shared.path, branch: shared.branch, base_commit: shared.base_commit, repository: shared.repository, owner_session_id: shared.owner_session_id };
      return this.store.spawnChild({ ...child, cwd, worktree }, this.limits, idem);
    }
    const id = newId('ses');
    const wt = await workspaces.make(id, cwd, input);
    try {
      const worktree = { path: wt.path, branch: wt.branch, base_commit: wt.base_commit, repository: wt.repository, owner_session_id: id };
      return await this.store.spawnChild({ ...child, id, cwd: wt.cwd, worktree }, this.limits, idem);
    } catch (err) {
      await workspaces.discard(wt);
      throw err;
    }
  }

  async spawnFromRun(principal: Principal, runId: string, input: SpawnRequest, idem?: IdempotencyWrite): Promise<{ session: Session; run: Run }> {
    const run = await this.runs.visible(principal, runId);
    this.access.requireOwnRun(principal, run.id, 'spawn children');
    const parent = await this.sessions.visible(principal, run.session_id);
    return this.spawn(principal, parent, run.id, input, idem);
  }

  async spawnFromSession(principal: Principal, sessionId: string, input: SpawnRequest, idem?: IdempotencyWrite): Promise<{ session: Session; run: Run }> {
    const parent = await this.sessions.visible(principal, sessionId);
    this.access.requireOwnSession(principal, parent.id, 'spawn children');
    // A run spawning through its session's endpoint is still the child's parent run.
    return this.spawn(principal, parent, principal.run?.runId ?? null, input, idem);
  }

  async send(
    principal: Principal,
    sessionId: string,
    input: { text: string; request_id?: string | undefined },
    idem?: IdempotencyWrite,
  ): Promise<{ message: Message; run: Run; answered: EscalationRequest[] }> {
    const session = await this.sessions.visible(principal, sessionId);
    await this.access.requireBelow(principal, session.id, 'send to');
    await this.sessions.admitRun(session);
    return this.store.sendToSession({ sessionId: session.id, text: input.text, requestId: input.request_id }, idem);
  }

  async replyParent(
    principal: Principal,
    runId: string,
    input: { text: string; request_kind: EscalationRequest['kind'] },
    idem?: IdempotencyWrite,
  ): Promise<{ request: EscalationRequest; message: Message }> {
    const run = await this.runs.visible(principal, runId);
    this.access.requireOwnRun(principal, run.id, 'reply to the parent');
    return this.store.replyParent({ runId: run.id, kind: input.request_kind, text: input.text }, idem);
  }

  async getRequest(principal: Principal, id: string): Promise<EscalationRequest> {
    const request = await this.store.getRequest(id);
    if (!request) throw new AppError('request_not_found', `request ${id} does not exist`);
    try {
      await this.sessions.visible(principal, request.parent_session_id);
    } catch {
      throw new AppError('request_not_found', `request ${id} does not exist`);
    }
    return request;
  }

  async respond(principal: Principal, id: string, text: string, idem?: IdempotencyWrite) {
    const approval = await this.store.getApproval(id);
    if (approval) {
      await this.sessions.visible(principal, approval.session_id).catch(() => {
        throw new AppError('request_not_found', `request ${id} does not exist`);
      });
      throw new AppError('wrong_request_kind', `request ${id} is an approval: answer it with POST /requests/${id}/approve or /deny`, { kind: 'approval' });
    }
    const request = await this.getRequest(principal, id);
    await this.access.requireBelow(principal, request.child_session_id, 'answer requests of');
    const child = await this.store.getSession(request.child_session_id);
    if (child) await this.sessions.admitRun(child);
    return this.store.respondToRequest({ sessionId: request.child_session_id, text, requestId: request.id }, idem);
  }

  async listRequests(principal: Principal, sessionId: string, state?: string): Promise<EscalationRequest[]> {
    const session = await this.sessions.visible(principal, sessionId);
    return this.store.listRequests(session.id, state);
  }
}
