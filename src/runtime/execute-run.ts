import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Provider } from '../providers/provider.js';
import type { BudgetDefaults, RunWithPgid, Store } from '../store/store.js';
import type { StopRequest } from '../supervisor/records.js';
import { removeRunSpool, runSpoolDir, supervisorSocketPath } from '../supervisor/spool.js';
import { SUPERVISOR_PROTOCOL, type SupervisorSpec } from '../supervisor/wire.js';
import { agentEnvironment } from './agent-env.js';
import type { ApprovalGate } from './approval-gate.js';
import { finishRun, followTurn, stateFor } from './follow-turn.js';
import { messageOf } from './run-end.js';
import { launchSupervisor, type SupervisedSource } from './supervised.js';
import { InProcessSource, type TurnSource } from './turn-source.js';

export type { StopRequest } from '../supervisor/records.js';

export interface ExecutionSettings {
  runTimeoutS: number;
  idleTimeoutS: number;
  cancelGraceMs: number;
  baseEnv: NodeJS.ProcessEnv;
  daemonUrl: () => string;
  /** A token for this run's agent to call back with (`AGENTD_TOKEN`), valid while the run runs. */
  mintRunToken: (runId: string) => Promise<string>;
  /** Spend limits per session: a run's final write announces any it crosses. */
  budgets: BudgetDefaults;
  /** Where agents' asks go: allow rules, session grants, the policy, and requests to people. */
  approvals: ApprovalGate;
  /** Where supervised runs spool; null runs agents as agentd's own children (`--no-supervisor`). */
  spoolRoot: string | null;
  /** Spool segment size (small in tests, to exercise rolling). */
  spoolSegmentBytes: number;
  /** What a supervisor needs to build a run's provider. */
  providerConfig: Pick<Config, 'codex' | 'claude' | 'command'>;
  /** Whether a run that lost its agent is re-queued when it can resume its thread. */
  resumeInterrupted: boolean;
}

/** What diagnose reports about a run this daemon re-attached to after a restart. */
export interface Reattachment {
  at: string;
  /** Whether its supervisor answered (false: the run was read from what its supervisor left). */
  supervisor_alive: boolean;
  /** Spooled output agentd had not consumed when it attached. */
  behind_bytes: number;
  /** The spool offset that ends the catch-up. */
  behind_until: number;
  caught_up_records: number;
  caught_up_at: string | null;
}

/** A run a worker holds, from claim (or re-attach) to the last write. */
export interface ActiveRun {
  runId: string;
  sessionId: string;
  workerId: string;
  pid: number | null;
  stop: StopRequest | null;
  source: TurnSource | null;
  /** Stops the turn for `stop` (set it first): open approvals end, the agent is told to stop,
   *  then its process group is signalled. Set once the turn is followed; idempotent. */
  halt: (() => void) | null;
  /** agentd is stopping and leaves this run to its supervisor (checked again once it is launched). */
  leave: boolean;
  /** The agent is gone; only the final write remains. */
  exited: boolean;
  /** Settles when the run's final state is written, or agentd stopped following it. */
  done: Promise<void>;
  startedAt: number;
  reattached: Reattachment | null;
}

/**
 * Runs one claimed (already `running`) run to its end: start its agent — under a supervisor that
 * outlives agentd, or as agentd's own child with `--no-supervisor` — and follow the turn.
 */
export async function executeRun(
  store: Store,
  providers: Map<string, Provider>,
  active: ActiveRun,
  settings: ExecutionSettings,
  log: Logger,
): Promise<void> {
  const run = (await store.getRun(active.runId))!;
  const session = (await store.getSession(run.session_id))!;
  // Every line about this run names it and its session, so one grep finds a run's whole story.
  log = log.child({ run_id: run.id, session_id: run.session_id });
  const provider = providers.get(run.provider);
  if (!provider) {
    await finishRun(store, active, 'failed', { error: `provider "${run.provider}" is not configured on this daemon` }, log);
    return;
  }
  if (active.stop) {
    await finishRun(store, active, stateFor(active.stop), { error: active.stop.reason }, log, active.stop.reason);
    return;
  }

  let token: string;
  try {
    token = await settings.mintRunToken(run.id);
  } catch (err) {
    const reason = `agentd could not record the run's token (${messageOf(err)}); the run was not started`;
    log.error({ err }, 'cannot start a run: its token could not be stored');
    await finishRun(store, active, 'failed', { error: reason }, log, reason);
    return;
  }

  const threadId = session.thread_ids[provider.name] ?? null;
  const resolved = settings.approvals.resolve(session);
  const ctx = {
    run,
    session,
    threadId,
    env: agentEnvironment(settings.baseEnv, settings.daemonUrl(), run, session, token),
    approvals: resolved,
  };

  let source: TurnSource;
  let spoolDir: string | null = null;
  if (settings.spoolRoot) {
    spoolDir = runSpoolDir(settings.spoolRoot, run.id, run.attempt);
    const spec: SupervisorSpec = {
      protocol: SUPERVISOR_PROTOCOL,
      runId: run.id,
      attempt: run.attempt,
      spoolDir,
      socketPath: supervisorSocketPath(spoolDir),
      segmentBytes: settings.spoolSegmentBytes,
      cancelGraceMs: settings.cancelGraceMs,
      providers: settings.providerConfig,
      provider: provider.name,
      ctx,
    };
    let supervised: SupervisedSource;
    try {
      supervised = await launchSupervisor(spec);
    } catch (err) {
      const reason = `cannot start the run's supervisor: ${(err as Error).message}`;
      log.error({ err }, 'cannot start a supervisor');
      await finishRun(store, active, 'failed', { error: reason }, log, reason);
      removeRunSpool(spoolDir);
      return;
    }
    source = supervised;
    await store.startSpool(run.id, run.attempt, supervised.supervisorPid!);
  } else {
    source = new InProcessSource(provider, ctx, settings.cancelGraceMs, log);
  }
  active.source = source;
  active.pid = source.pid;
  log.info({ provider: provider.name, pid: source.pid, supervisor_pid: source.supervisorPid, worker_id: active.workerId, resumed_thread: threadId }, 'run started');
  if (source.pid !== null) {
    await store.updateRun(run.id, { pid: source.pid, pgid: source.pid, proc_start: source.procStart }, { type: 'run.process', data: { pid: source.pid, resumed_thread: threadId } });
  }
  // agentd began to stop while the supervisor started: the run is left to it.
  if (active.leave && !active.stop && source.detach()) return;
  await followTurn(store, providers, active, settings, { run, session, provider: provider.name, threadId, approvals: resolved, source, spoolDir }, log);
}

/**
 * Follows a run a previous daemon started, from the spool offset it committed: its supervisor
 * answers (the agent works on), or it is gone and its spool says how the run ended.
 */
export async function reattachRun(
  store: Store,
  providers: Map<string, Provider>,
  active: ActiveRun,
  settings: ExecutionSettings,
  found: { run: RunWithPgid; source: SupervisedSource; spoolDir: string; offset: number },
  log: Logger,
): Promise<void> {
  const { run, source } = found;
  const session = (await store.getSession(run.session_id))!;
  log = log.child({ run_id: run.id, session_id: run.session_id });
  const threadId = session.thread_ids[run.provider] ?? null;
  const behind = Math.max(0, source.endAtAttach - found.offset);
  active.source = source;
  active.pid = source.pid ?? run.pid;
  active.reattached = {
    at: new Date().toISOString(),
    supervisor_alive: source.connected,
    behind_bytes: behind,
    behind_until: source.endAtAttach,
    caught_up_records: 0,
    caught_up_at: behind === 0 ? new Date().toISOString() : null,
  };
  // The previous daemon died before it recorded the agent's start.
  if (run.pid === null && source.pid !== null) {
    await store.updateRun(run.id, { pid: source.pid, pgid: source.pid, proc_start: source.procStart }, { type: 'run.process', data: { pid: source.pid, resumed_thread: threadId } });
  }
  await store.appendEvents(run.session_id, run.id, [{
    type: 'run.reattached',
    data: { supervisor_pid: source.supervisorPid, supervisor_alive: source.connected, spool_offset: found.offset, behind_bytes: behind },
  }]);
  log.info({ supervisor_pid: source.supervisorPid, supervisor_alive: source.connected, behind_bytes: behind }, source.connected ? 're-attached to a running agent' : 'reading the spool of a run whose supervisor is gone');
  await followTurn(store, providers, active, settings, {
    run, session, provider: run.provider, threadId, approvals: settings.approvals.resolve(session), source, spoolDir: found.spoolDir,
  }, log);
}
