import type { AgentEvent, Message, Run, RunUsage, Session } from '../../protocol/schemas.js';
import type { RunWithPgid } from '../store.js';
import { eventIdFromPosition } from '../../domain/ids.js';
import { rememberDataJson } from '../../protocol/event-json.js';


export interface SessionRow {
  id: string;
  title: string | null;
  provider: string;
  cwd: string;
  owner: string;
  parent_session_id: string | null;
  parent_run_id: string | null;
  root_session_id: string;
  depth: number;
  thread_ids: string;
  last_seq: number;
  worktree_path: string | null;
  worktree_branch: string | null;
  worktree_base: string | null;
  worktree_repository: string | null;
  worktree_owner: string | null;
  worktree_removed_at: string | null;
  max_cost_usd: number | null;
  max_tokens: number | null;
  approval_policy: Session['approval_policy'];
  approval_allow: string;
  created_at: string;
  updated_at: string;
  /** Highest event position retention deleted from this session (internal, not on the wire). */
  pruned_through?: number;
}

export interface RunRow extends Omit<RunWithPgid, 'usage' | 'state'> {
  state: string;
  usage: string | null;
  input_tokens: number | null;
  cached_input_tokens: number | null;
  output_tokens: number | null;
  reasoning_tokens: number | null;
  usage_model: string | null;
  cost_source: string | null;
}

export interface EventRow {
  position: number;
  session_id: string;
  seq: number;
  type: string;
  run_id: string | null;
  ts: string;
  data: string;
}

/** The wire session: fields named one by one, so a column added for bookkeeping never leaks into events. */
export function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    title: row.title,
    provider: row.provider,
    cwd: row.cwd,
    owner: row.owner,
    parent_session_id: row.parent_session_id,
    parent_run_id: row.parent_run_id,
    root_session_id: row.root_session_id,
    depth: row.depth,
    thread_ids: JSON.parse(row.thread_ids) as Record<string, string>,
    last_seq: row.last_seq,
    approval_policy: row.approval_policy,
    approval_allow: JSON.parse(row.approval_allow) as string[],
    worktree: row.worktree_path === null ? null : {
      path: row.worktree_path,
      branch: row.worktree_branch!,
      base_commit: row.worktree_base!,
      repository: row.worktree_repository!,
      owner_session_id: row.worktree_owner!,
      removed_at: row.worktree_removed_at,
    },
    max_cost_usd: row.max_cost_usd,
    max_tokens: row.max_tokens,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function toRunWithPgid(row: RunRow): RunWithPgid {
  const {
    input_tokens: input, cached_input_tokens: cached, output_tokens: output, reasoning_tokens: reasoning,
    usage_model: model, cost_source: source, usage: reported, ...rest
  } = row;
  return {
    ...rest,
    state: row.state as Run['state'],
    usage: input === null && output === null ? null : {
      input_tokens: input ?? 0,
      cached_input_tokens: cached ?? 0,
      output_tokens: output ?? 0,
      reasoning_tokens: reasoning,
      total_tokens: (input ?? 0) + (output ?? 0),
      model,
      cost_usd: row.cost_usd,
      cost_source: source as RunUsage['cost_source'],
      reported: reported === null ? null : (JSON.parse(reported) as Record<string, unknown>),
    },
  };
}

/** The wire run: the process group id is internal bookkeeping for recovery. */
export function toRun(row: RunRow): Run {
  const { pgid: _pgid, proc_start: _start, ...run } = toRunWithPgid(row);
  return run;
}

export function toMessage(row: Message): Message {
  return row;
}

export function toEvent(row: EventRow): AgentEvent {
  const event: AgentEvent = {
    id: eventIdFromPosition(row.position),
    session_id: row.session_id,
    seq: row.seq,
    type: row.type,
    ts: row.ts,
    data: JSON.parse(row.data) as unknown,
  };
  if (row.run_id !== null) event.run_id = row.run_id;
  // A replayed event goes to streams as stored: no second stringify of what was just parsed.
  rememberDataJson(event, row.data);
  return event;
}
