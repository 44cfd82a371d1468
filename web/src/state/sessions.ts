/**
 * The sessions list as a person reads it: each session's live state in one word, children under
 * their parents, and a filter. Pure functions of what the app holds; no DOM, no fetching.
 */
import type { Run, Session } from '../../../src/protocol/schemas.js';
import type { AnyRequest } from '../../../src/protocol/approvals.js';

export type SessionStatus = 'waiting' | 'running' | 'queued' | 'failed' | 'idle';

export const STATUS_LABEL: Record<SessionStatus, string> = {
  waiting: 'waiting for approval',
  running: 'running',
  queued: 'queued',
  failed: 'failed',
  idle: 'idle',
};

/** An open request someone here must answer, and the session it is shown in. */
export function isOpen(request: AnyRequest): boolean {
  return request.state === 'open';
}

/** The session whose agent waits for the request (an approval's own session; an escalation's child). */
export function askingSession(request: AnyRequest): string {
  return request.kind === 'approval' ? request.session_id : request.child_session_id;
}

/** What a session is doing, from its newest run and its open asks. */
export function sessionStatus(latest: Run | undefined, openAsks: number): SessionStatus {
  if (openAsks > 0) return 'waiting';
  switch (latest?.state) {
    case 'running':
      return 'running';
    case 'queued':
    case 'interrupted':
      return 'queued';
    case 'failed':
      return 'failed';
    default:
      return 'idle';
  }
}

export interface SessionNode {
  session: Session;
  depth: number;
}

/**
 * Sessions newest first, each child right under its parent (its own children under it), so a tree
 * reads top-down. A child whose parent is not loaded is shown at the top level.
 */
export function sessionTree(sessions: Session[]): SessionNode[] {
  const ids = new Set(sessions.map((s) => s.id));
  const children = new Map<string, Session[]>();
  const roots: Session[] = [];
  for (const session of sessions) {
    const parent = session.parent_session_id;
    if (parent && ids.has(parent)) {
      const list = children.get(parent) ?? [];
      list.push(session);
      children.set(parent, list);
    } else roots.push(session);
  }
  const out: SessionNode[] = [];
  const visit = (session: Session, depth: number) => {
    out.push({ session, depth });
    for (const child of children.get(session.id) ?? []) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  return out;
}

export type StatusFilter = 'all' | 'active' | 'waiting' | 'failed';

/** Whether a session matches the filter text (title, id, directory, provider) and the status filter. */
export function matchesFilter(session: Session, status: SessionStatus, text: string, filter: StatusFilter): boolean {
  if (filter === 'active' && status !== 'running' && status !== 'queued' && status !== 'waiting') return false;
  if (filter === 'waiting' && status !== 'waiting') return false;
  if (filter === 'failed' && status !== 'failed') return false;
  const needle = text.trim().toLowerCase();
  if (!needle) return true;
  return [session.title ?? '', session.id, session.cwd, session.provider].some((field) => field.toLowerCase().includes(needle));
}

/** The newer of two runs of one session (run ids sort in creation order). */
export function newerRun(a: Run | undefined, b: Run): Run {
  if (!a || a.id < b.id) return b;
  if (a.id > b.id) return a;
  // The same run: the later update wins.
  return a.updated_at > b.updated_at ? a : b;
}
