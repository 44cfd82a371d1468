/** Human renderings of API results: short, aligned, readable in a terminal. */
import type { AgentEvent, DaemonStatus, Run, Session, UsageTotals } from '../protocol/schemas.js';
import type { SessionReport } from '../client/http-client.js';
import { keyValues } from './output.js';

const oneLine = (text: string, max = 100) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

export function daemonStatusText(s: DaemonStatus): string {
  const q = s.queue_counts;
  return [
    `agentd ${s.version}  pid ${s.pid}  up ${s.uptime_s}s  auth ${s.auth_enabled ? 'on' : 'off'}`,
    `db       ${s.db_path}`,
    `workers  ${s.busy_workers}/${s.max_concurrency} busy, ${s.alive_workers} alive`,
    `runs     queued ${q.queued_count}  running ${q.running_count}  completed ${q.completed_count}  failed ${q.failed_count}  cancelled ${q.cancelled_count}  interrupted ${q.interrupted_count}`,
    `codex    profile ${s.codex_invocation.profile ?? '-'}  extra args ${s.codex_invocation.extra_args.join(' ') || '-'}`,
    `approvals open ${s.open_approvals}`,
    `spend    ${spendLine(s.usage)}`,
  ].join('\n');
}

/** `$0.0123 (estimated), 5 runs, 12,345 tokens (10,000 in, 2,345 out)` */
export function spendLine(t: UsageTotals): string {
  if (t.runs === 0) return 'nothing recorded';
  const cost = `${usd(t.cost_usd)}${t.estimated ? ' (partly estimated)' : ''}${t.runs_without_cost > 0 ? ` + ${t.runs_without_cost} run(s) without a price` : ''}`;
  return `${cost}, ${t.runs} run(s), ${n(t.total_tokens)} tokens (${n(t.input_tokens)} in, ${n(t.cached_input_tokens)} of them cached, ${n(t.output_tokens)} out)`;
}

export const usd = (value: number) => `$${value < 0.01 && value > 0 ? value.toPrecision(2) : value.toFixed(value < 100 ? 4 : 2)}`;
export const n = (value: number) => value.toLocaleString('en-US');

export function sessionReportText(r: SessionReport): string {
  const b = r.budget;
  const limits = [b.max_cost_usd !== null ? `${usd(b.max_cost_usd)}` : null, b.max_tokens !== null ? `${n(b.max_tokens)} tokens` : null].filter(Boolean).join(', ');
  return [
    keyValues(r.session),
    `spend (own)            ${spendLine(r.usage.own)}`,
    `spend (with children)  ${spendLine(r.usage.with_children)}`,
    `budget                 ${limits || 'none'}${b.exceeded ? `  — reached (${b.exceeded}): no new runs` : ''}`,
  ].join('\n');
}

export function sessionText({ session }: { session: Session }): string {
  return keyValues(session);
}

export function sessionListText({ sessions, next_cursor }: { sessions: Session[]; next_cursor: string | null }): string {
  if (sessions.length === 0) return 'no sessions';
  // A worktree session shows its branch: several of them are usually the same repository.
  const branch = (s: Session) => (s.worktree ? `[${s.worktree.branch}${s.worktree.removed_at ? ', removed' : ''}]  ` : '');
  const lines = sessions.map((s) => `${s.id}  ${s.provider.padEnd(7)}  ${s.created_at}  ${branch(s)}${s.title ?? ''}`.trimEnd());
  if (next_cursor) lines.push(`(more: --cursor ${next_cursor})`);
  return lines.join('\n');
}

export function runText({ run }: { run: Run }): string {
  return keyValues(run);
}

/** One line of an event: seq, time, type, run, and what happened. */
export function eventLine(e: AgentEvent): string {
  const data = (e.data ?? {}) as Record<string, any>;
  let what = '';
  if (e.type === 'message.created') what = `${data.message?.role}: ${oneLine(String(data.message?.text ?? ''))}`;
  else if (e.type.startsWith('run.') && data.run) {
    what = `${data.from ?? 'new'} → ${data.run.state}${data.reason ? ` (${oneLine(String(data.reason), 80)})` : ''}`;
  } else if (e.type === 'run.item' && data.item) {
    const item = data.item as Record<string, any>;
    const detail = item.text ?? item.command ?? item.message ?? '';
    what = `${item.type}${detail ? `: ${oneLine(String(detail))}` : ''}`;
  } else if (e.type === 'session.created') {
    what = `${data.session?.provider} in ${data.session?.cwd}${data.session?.parent_session_id ? ` (child of ${data.session.parent_session_id})` : ''}`;
  } else if (e.type === 'child.spawned') what = `child ${data.session?.id} (run ${data.run?.id})`;
  else if (e.type === 'child.completed') {
    what = `child ${data.child_session_id} ${data.state}${data.final_text ? `: ${oneLine(String(data.final_text))}` : data.error ? `: ${oneLine(String(data.error))}` : ''}`;
  } else if (e.type === 'child.request' || e.type === 'request.answered' || e.type === 'request.created') {
    const r = data.request ?? {};
    const said = r.kind === 'approval'
      ? `${r.text}${r.decision ? ` → ${r.decision}` : ''}${r.message ? ` (${r.message})` : ''}`
      : e.type === 'request.answered' ? r.answer_text : r.text;
    what = `${r.kind} ${r.id} ${r.state}: ${oneLine(String(said))}`;
  } else what = oneLine(JSON.stringify(e.data), 120);
  return `${String(e.seq).padStart(5)}  ${e.ts}  ${e.type.padEnd(16)}  ${e.run_id ?? ''}  ${what}`.replace(/ {3,}(?=\S)/g, '  ');
}

export function eventsText({ events, next_cursor, has_more }: { events: AgentEvent[]; next_cursor: string | null; has_more: boolean }): string {
  const lines = events.map(eventLine);
  if (events.length === 0) lines.push('no events');
  if (has_more && next_cursor) lines.push(`(more: --cursor ${next_cursor})`);
  return lines.join('\n');
}

export function waitText({ run, timed_out }: { run: Run; timed_out: boolean }): string {
  if (timed_out) return `run ${run.id} is still ${run.state} (wait timed out)`;
  if (run.state === 'completed') return run.final_text ?? '';
  return `run ${run.id} ${run.state}${run.error ? `: ${run.error}` : ''}`;
}
