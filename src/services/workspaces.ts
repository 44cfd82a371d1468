/**
 * Where sessions work: the directories they may use (`--allowed-root`, and for a run token only
 * inside its own session's root), and the git worktree a session can have — made, compared
 * with its base, removed. git's refusals become problems a person can act on.
 */
import { AppError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import type { Session } from '../protocol/schemas.js';
import type { Store } from '../store/store.js';
import type { Git } from '../workspaces/git.js';
import { AllowedRoots, isWithin, realDirectory } from '../workspaces/roots.js';
import { createWorktree, diffWorktree, discardWorktree, removeWorktree, type CreatedWorktree, type WorktreeDiff, type WorktreeRecord } from '../workspaces/worktrees.js';
import type { Access } from './access.js';

export interface WorkspaceOptions {
  git: Git;
  roots: AllowedRoots;
  /** Where worktrees are made (`--worktrees-dir`). */
  worktreesDir: string;
  /** A diff's patch is cut beyond this many bytes. */
  maxPatchBytes: number;
}

export interface WorktreeRequest {
  worktree?: boolean | undefined;
  branch?: string | undefined;
  allow_dirty?: boolean | undefined;
}

export class WorkspaceService {
  /** Worktrees being removed right now: no run may be admitted into them meanwhile. */
  private readonly removing = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly access: Access,
    private readonly opts: WorkspaceOptions,
  ) {}

  /**
   * The directory a new session asks for, as a real path it may use: existing, under an allowed
   * root, and — for a run token — inside its own session's root (its worktree, else its cwd).
   */
  placeCwd(principal: Principal, asked: string, base: string, own?: Session): string {
    const real = realDirectory(asked, base);
    this.opts.roots.check(real, asked);
    if (principal.run && own) {
      const root = own.worktree && !own.worktree.removed_at ? own.worktree.path : own.cwd;
      if (!isWithin(root, real)) {
        throw new AppError('invalid_cwd', `a run token can start children only inside its own session's root ${root}, not in ${real}`, { cwd: real, root });
      }
    }
    return real;
  }

  /** Checks a request's worktree fields before anything is made. */
  wants(request: WorktreeRequest): boolean {
    if (!request.worktree && (request.branch !== undefined || request.allow_dirty !== undefined)) {
      throw new AppError('validation_failed', 'body branch and allow_dirty go with worktree: true');
    }
    return request.worktree === true;
  }

  /** A new worktree for session `sessionId`, made from the repository around `from`. */
  make(sessionId: string, from: string, request: WorktreeRequest): Promise<CreatedWorktree> {
    return createWorktree(this.opts.git, {
      from,
      dir: this.opts.worktreesDir,
      name: sessionId,
      branch: request.branch,
      allowDirty: request.allow_dirty,
    });
  }

  /** Undoes `make` when the session that would own it could not be recorded. */
  async discard(wt: WorktreeRecord): Promise<void> {
    await discardWorktree(this.opts.git, wt).catch(() => undefined);
  }

  /** Refuses a new run in a session whose worktree is removed (or being removed). */
  admit(session: Session): void {
    const wt = session.worktree;
    if (wt && (wt.removed_at || this.removing.has(wt.path))) {
      throw new AppError('worktree_removed', `session ${session.id} worked in ${wt.path}, which was removed; its branch ${wt.branch} keeps what was committed. Start a new session to go on`, {
        branch: wt.branch,
      });
    }
  }

  async diff(session: Session): Promise<{ session_id: string; worktree: NonNullable<Session['worktree']>; diff: WorktreeDiff }> {
    const wt = this.worktreeOf(session);
    const diff = await diffWorktree(this.opts.git, { ...wt, removed: wt.removed_at !== null }, this.opts.maxPatchBytes);
    return { session_id: session.id, worktree: wt, diff };
  }

  /**
   * Removes the session's worktree (and so every sharing session's): refused while any of them
   * has a queued or running run, and refused with uncommitted changes unless `force`.
   */
  async remove(principal: Principal, session: Session, force: boolean): Promise<{ session: Session }> {
    const wt = this.worktreeOf(session);
    // A run token may remove only worktrees of sessions below its own.
    await this.access.requireBelow(principal, wt.owner_session_id, 'remove worktrees of');
    if (wt.removed_at) return { session };
    if (this.removing.has(wt.path)) throw new AppError('worktree_busy', `the worktree ${wt.path} is being removed by another request`);
    this.removing.add(wt.path);
    try {
      const active = await this.store.activeRunsInWorktree(wt.path);
      if (active.length > 0) {
        throw new AppError('worktree_busy', `run ${active[0]!.id} (${active[0]!.state}) works in ${wt.path}; wait for it or cancel it first`, {
          run_ids: active.map((r) => r.id),
        });
      }
      const { already_gone } = await removeWorktree(this.opts.git, wt, force);
      const sessions = await this.store.markWorktreeRemoved(wt.path, { forced: force, already_gone });
      return { session: sessions.find((s) => s.id === session.id) ?? session };
    } finally {
      this.removing.delete(wt.path);
    }
  }

  private worktreeOf(session: Session): NonNullable<Session['worktree']> {
    if (!session.worktree) {
      throw new AppError('no_worktree', `session ${session.id} has no worktree; create it with worktree: true (session create --worktree)`);
    }
    return session.worktree;
  }
}
