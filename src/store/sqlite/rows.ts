import type { AgentEvent, Message, Run, Session } from '../../protocol/schemas.js';
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

export function toSession(row: SessionRow): Session {
  const { pruned_through: _pruned, ...session } = row;
  return { ...session, thread_ids: JSON.parse(row.thread_ids) as Record<string, string>, approval_allow: JSON.parse(row.approval_allow) as string[] };
}

export function toRunWithPgid(row: RunRow): RunWithPgid {
  return {
    ...row,
    state: row.state as Run['state'],
    usage: row.usage === null ? null : (JSON.parse(row.usage) as Record<string, unknown>),
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
