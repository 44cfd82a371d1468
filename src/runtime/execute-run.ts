import type { Logger } from 'pino';
import { AppError } from '../domain/errors.js';
import type { RunState } from '../domain/run-states.js';
import type { Provider, TurnOutcome } from '../providers/provider.js';
import type { NewEvent, RunPatch, Store } from '../store/store.js';
import { startAgentProcess, type AgentProcess } from './agent-process.js';
import { agentEnvironment } from './agent-env.js';
import { processStartTime } from './process-tree.js';

export interface ExecutionSettings {
  runTimeoutS: number;
  idleTimeoutS: number;
  cancelGraceMs: number;
  baseEnv: NodeJS.ProcessEnv;
  daemonUrl: () => string;
  /** A token for this run's agent to call back with (`AGENTD_TOKEN`), valid while the run runs. */
  mintRunToken: (runId: string) => Promise<string>;
}

/** Why a run is being stopped by us rather than ending by itself. */
export interface StopRequest {
  /** `store`: its output could not be written, so it cannot go on faithfully. */
  kind: 'cancel' | 'shutdown' | 'timeout' | 'store';
  reason: string;
}

/** A run's final state, as it is to be written. */
export interface RunEnd {
  runId: string;
  to: RunState;
  patch: RunPatch;
  reason?: string;
}

/** The run is over but its end could not be written; whoever catches this must write it later. */
export class EndNotWrittenError extends Error {
  constructor(readonly end: RunEnd, override readonly cause: unknown) {
    super(`the end of run ${end.runId} (${end.to}) could not be written: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A run a worker holds, from claim to the last write. */
export interface ActiveRun {
  runId: string;
  sessionId: string;
  workerId: string;
  pid: number | null;
  stop: StopRequest | null;
  proc: AgentProcess | null;
  /** The process is gone; only the final write remains. */
  exited: boolean;
  /** Settles when the run's final state is written. */
  done: Promise<void>;
  startedAt: number;
}

/**
 * Runs one claimed (already `running`) run to its end: spawn the provider's process, turn its
 * stdout into events (batched, in order), store the thread id, and write the final state.
 */
export async function executeRun(
  store: Store,
  providers: Map<string, Provider>,
  active: ActiveRun,
  settings: ExecutionSettings,
  log: Logger,
): Promise<void> {
  let idleTimer: NodeJS.Timeout | undefined;
  let wallTimer: NodeJS.Timeout | undefined;
  const stopFor = (stop: StopRequest) => {
    active.stop ??= stop;
    active.proc?.terminate(settings.cancelGraceMs);
  };
  const run = (await store.getRun(active.runId))!;
  const session = (await store.getSession(run.session_id))!;
  const provider = providers.get(run.provider);
  if (!provider) {
    await finish(store, active, 'failed', { error: `provider "${run.provider}" is not configured on this daemon` }, log);
    return;
  }
  if (active.stop) {
    await finish(store, active, stateFor(active.stop), { error: active.stop.reason }, log, active.stop.reason);
    return;
  }

  const threadId = session.thread_ids[provider.name] ?? null;
  let token: string;
  try {
    token = await settings.mintRunToken(run.id);
  } catch (err) {
    const reason = `agentd could not record the run's token (${messageOf(err)}); the run was not started`;
    log.error({ err, run_id: run.id }, 'cannot start a run: its token could not be stored');
    await finish(store, active, 'failed', { error: reason }, log, reason);
    return;
  }
  const spec = provider.buildTurn({
    run,
    session,
    threadId,
    env: agentEnvironment(settings.baseEnv, settings.daemonUrl(), run, session, token),
  });
  const parser = provider.createParser();

  // Lines arrive faster than one transaction each can keep up with; collect what arrives within
  // one turn of the event loop and append it in a single transaction, keeping order.
  let pending: NewEvent[] = [];
  let knownThread = threadId;
  let writes: Promise<unknown> = Promise.resolve();
  let flushScheduled = false;
  // A write that fails (a full disk) means the run's output can no longer be recorded: the run is
  // stopped and fails, and nothing it prints after is written — the log never gets a hole in the
  // middle of a turn. The write is not retried: the output it held is gone with the rollback.
  let storeFailure: unknown;
  const storeFailed = (err: unknown) => {
    if (storeFailure !== undefined) return;
    storeFailure = err;
    log.error({ err, run_id: run.id }, 'cannot store the output of a run; stopping it, it will fail');
    stopFor({ kind: 'store', reason: `agentd could not record the run's output (${messageOf(err)}); the run was stopped` });
  };
  const whileStoring = (write: () => Promise<unknown>) => {
    writes = writes.then(() => (storeFailure === undefined ? write() : undefined)).catch(storeFailed);
  };
  const flush = () => {
    flushScheduled = false;
    const batch = pending;
    pending = [];
    whileStoring(() => store.appendEvents(run.session_id, run.id, batch));
  };
  const onLine = (line: string) => {
    if (line.trim() === '') return;
    let result;
    try {
      result = parser.onLine(line);
    } catch (err) {
      log.warn({ err, run_id: run.id }, 'provider output line could not be parsed');
      return;
    }
    if (result.events?.length) pending.push(...result.events);
    if (result.threadId && result.threadId !== knownThread) {
      knownThread = result.threadId;
      const id = result.threadId;
      if (pending.length) flush();
      whileStoring(() => store.setThreadId(run.session_id, provider.name, id));
    }
    if (pending.length && !flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  };

  const proc = startAgentProcess(spec, onLine, () => idleTimer?.refresh());
  active.proc = proc;
  active.pid = proc.pid ?? null;
  if (proc.pid !== undefined) {
    const pid = proc.pid;
    whileStoring(() => store.updateRun(run.id, { pid, pgid: pid, proc_start: processStartTime(pid) }, { type: 'run.process', data: { pid, resumed_thread: threadId } }));
    await writes;
  }
  if (settings.runTimeoutS > 0) {
    wallTimer = setTimeout(() => stopFor({ kind: 'timeout', reason: `run exceeded the wall-clock limit of ${settings.runTimeoutS}s` }), settings.runTimeoutS * 1000);
  }
  if (settings.idleTimeoutS > 0) {
    idleTimer = setTimeout(() => stopFor({ kind: 'timeout', reason: `no output for ${settings.idleTimeoutS}s` }), settings.idleTimeoutS * 1000);
  }
  // A cancel that raced the spawn: the process exists now, so stop it.
  if (active.stop) proc.terminate(settings.cancelGraceMs);

  let exit;
  try {
    exit = await proc.exited;
  } finally {
    active.exited = true;
    clearTimeout(wallTimer);
    clearTimeout(idleTimer);
  }
  if (pending.length) flush();
  await writes;

  const outcome: TurnOutcome = parser.finish(exit);
  const patch: RunPatch = {
    exit_code: exit.code,
    usage: outcome.usage,
    cost_usd: outcome.costUsd,
    final_text: outcome.finalText,
  };
  // Re-read: a cancel or a timer may have set it while the process ran.
  const stop = active.stop as StopRequest | null;
  if (stop) {
    await finish(store, active, stateFor(stop), { ...patch, error: stop.reason }, log, stop.reason);
  } else if (outcome.status === 'completed') {
    await finish(store, active, 'completed', patch, log);
  } else {
    await finish(store, active, 'failed', { ...patch, error: outcome.error }, log, outcome.error ?? undefined);
  }
}

function stateFor(stop: StopRequest): RunState {
  if (stop.kind === 'cancel') return 'cancelled';
  if (stop.kind === 'shutdown') return 'interrupted';
  return 'failed';
}

/** Writes a run's end; throws EndNotWrittenError when the store cannot (it is then written later). */
export async function writeEnd(store: Store, end: RunEnd, log: Logger): Promise<void> {
  try {
    await store.transitionRun(end.runId, end.to, { expected: 'running', patch: end.patch, ...(end.reason ? { reason: end.reason } : {}) });
  } catch (err) {
    // Someone moved the run on meanwhile (a manual transition, a cancel); their word stands.
    if (err instanceof AppError && (err.code === 'state_mismatch' || err.code === 'invalid_transition')) {
      log.warn({ run_id: end.runId, to: end.to }, 'run changed state while it ran; final state not written');
      return;
    }
    throw new EndNotWrittenError(end, err);
  }
}

async function finish(store: Store, active: ActiveRun, to: RunState, patch: RunPatch, log: Logger, reason?: string) {
  await writeEnd(store, { runId: active.runId, to, patch, ...(reason ? { reason } : {}) }, log);
}
