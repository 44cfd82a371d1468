import type { Diagnostics, Run, Worker } from '../protocol/schemas.js';
import type { Store } from '../store/store.js';
import type { ActiveRun } from './execute-run.js';

export interface DiagnoseContext {
  active: ActiveRun | null;
  /** The run is over but its end could not be written yet (the store cannot write). */
  endNotWritten: boolean;
  workers: Worker[];
  maxConcurrency: number;
  codexInvocation: { profile: string | null; extra_args: string[] };
  idleTimeoutS: number;
}

/** How long without output before diagnose calls a run quiet, when no idle limit is set. */
const QUIET_AFTER_S = 60;

export async function diagnoseRun(store: Store, run: Run, ctx: DiagnoseContext): Promise<Diagnostics> {
  const queueCounts = await store.countRuns();
  const queuePosition = await store.queuePosition(run.id);
  const alive = ctx.workers.filter((w) => w.alive);
  const busy = ctx.workers.filter((w) => w.run_id !== null);
  const now = Date.now();
  const sinceOutput = ctx.active?.source ? (now - ctx.active.source.lastOutputAt) / 1000 : null;
  const running = run.started_at && run.state === 'running' ? (now - Date.parse(run.started_at)) / 1000 : null;
  const [waiting] = run.state === 'running' ? await store.listApprovals({ runId: run.id, state: 'open', limit: 1 }) : [];

  const reattached = ctx.active?.reattached ?? null;
  const catchingUp = reattached && !reattached.caught_up_at ? reattached : null;
  let likely: string;
  switch (run.state) {
    case 'queued': {
      const sessionRuns = (await store.listRunsByState('running')).filter((r) => r.session_id === run.session_id);
      if (sessionRuns.length > 0) likely = `queued behind the session's own run ${sessionRuns[0]!.id}`;
      else if (busy.length >= ctx.maxConcurrency) likely = `all ${ctx.maxConcurrency} workers are busy; queue position ${queuePosition}`;
      else likely = 'waiting for a worker; it should start momentarily';
      break;
    }
    case 'running':
      if (!ctx.active && ctx.endNotWritten) likely = 'ended, but the store could not write its end (disk full?); agentd writes it once the store can write again';
      else if (!ctx.active) likely = 'process gone: the run is marked running but no worker of this daemon holds it';
      else if (ctx.active.pid === null) likely = 'starting: the process is being spawned';
      else if (catchingUp) likely = `re-attached to its agent after a daemon restart; catching up on ${catchingUp.behind_bytes} bytes of spooled output`;
      else if (waiting) likely = `waiting for approval ${waiting.id} since ${waiting.created_at}: ${waiting.text}`;
      else if (sinceOutput !== null && sinceOutput >= (ctx.idleTimeoutS || QUIET_AFTER_S)) likely = `no output for ${Math.round(sinceOutput)}s`;
      else likely = 'running normally';
      break;
    case 'interrupted':
      likely = 'the daemon lost the process; the run will be failed or re-queued on recovery';
      break;
    case 'completed':
      likely = 'none: the run completed';
      break;
    case 'failed':
      likely = `the run failed: ${run.error ?? 'no reason recorded'}`;
      break;
    case 'cancelled':
      likely = 'none: the run was cancelled';
      break;
  }
  const worker = run.worker_id ? ctx.workers.find((w) => w.id === run.worker_id) : undefined;
  return {
    run_id: run.id,
    state: run.state,
    worker_id: run.worker_id,
    worker_alive: worker !== undefined && worker.alive && (run.state !== 'running' || worker.run_id === run.id),
    alive_workers: alive.length,
    max_concurrency: ctx.maxConcurrency,
    queue_counts: queueCounts,
    queue_position: queuePosition,
    active_pid: ctx.active?.pid ?? null,
    seconds_since_output: sinceOutput === null ? null : Math.round(sinceOutput * 10) / 10,
    seconds_running: running === null ? null : Math.round(running * 10) / 10,
    provider: run.provider,
    codex_invocation: ctx.codexInvocation,
    likely_issue: likely,
    waiting_for_approval: waiting ? { request_id: waiting.id, since: waiting.created_at, text: waiting.text } : null,
    supervisor: ctx.active?.source?.supervisorPid != null || reattached
      ? {
        pid: ctx.active?.source?.supervisorPid ?? null,
        reattached_at: reattached?.at ?? null,
        caught_up_bytes: reattached?.behind_bytes ?? 0,
        caught_up_records: reattached?.caught_up_records ?? 0,
        caught_up_at: reattached?.caught_up_at ?? null,
      }
      : null,
  };
}
