import type { Logger } from 'pino';
import { AppError } from '../domain/errors.js';
import type { RunState } from '../domain/run-states.js';
import type { TurnDriver, TurnIO } from '../providers/conversation.js';
import type { ExitInfo, Provider, TurnOutcome } from '../providers/provider.js';
import type { BudgetDefaults, RunPatch, Store } from '../store/store.js';
import { usageOfTurn } from '../providers/usage.js';
import { startAgentProcess, type AgentProcess } from './agent-process.js';
import { agentEnvironment } from './agent-env.js';
import type { ApprovalGate, TurnApprovals } from './approval-gate.js';
import { IdleTimer } from './idle-timer.js';
import { processStartTime } from './process-tree.js';
import { RunOutput } from './run-output.js';

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
}

/** Why a run is being stopped by us rather than ending by itself. */
export interface StopRequest {
  kind: 'cancel' | 'shutdown' | 'timeout' | 'failure';
  reason: string;
}

/** A run a worker holds, from claim to the last write. */
export interface ActiveRun {
  runId: string;
  sessionId: string;
  workerId: string;
  pid: number | null;
  stop: StopRequest | null;
  proc: AgentProcess | null;
  /** Stops the turn for `stop` (set it first): open approvals end, the driver is asked to interrupt,
   *  then the process group is signalled. Set once the process exists; idempotent. */
  halt: (() => void) | null;
  /** The process is gone; only the final write remains. */
  exited: boolean;
  /** Settles when the run's final state is written. */
  done: Promise<void>;
  startedAt: number;
}

/**
 * Runs one claimed (already `running`) run to its end: spawn the provider's process and hold the
 * turn's conversation with it through the provider's driver — what to write, what each stdout
 * line means, the approvals it asks for — then write the final state.
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
    await finish(store, active, 'failed', { error: `provider "${run.provider}" is not configured on this daemon` }, log);
    return;
  }
  if (active.stop) {
    await finish(store, active, stateFor(active.stop), { error: active.stop.reason }, log, active.stop.reason);
    return;
  }

  const threadId = session.thread_ids[provider.name] ?? null;
  const resolved = settings.approvals.resolve(session);
  const ctx = {
    run,
    session,
    threadId,
    env: agentEnvironment(settings.baseEnv, settings.daemonUrl(), run, session, await settings.mintRunToken(run.id)),
    approvals: resolved,
  };
  const spec = provider.buildTurn(ctx);
  const driver = provider.createDriver(ctx);
  const approvals = settings.approvals.forTurn({ run, session, attempt: run.attempt, approvals: resolved });
  const output = new RunOutput(store, run.session_id, run.id, log);

  let knownThread = threadId;
  const onLine = (line: string) => {
    if (line.trim() === '') return;
    let result;
    try {
      result = driver.onLine(line);
    } catch (err) {
      log.warn({ err }, 'provider output line could not be parsed');
      return;
    }
    if (result.events?.length) output.push(result.events);
    if (result.threadId && result.threadId !== knownThread) {
      const id = (knownThread = result.threadId);
      void output.then(() => store.setThreadId(run.session_id, provider.name, id)).catch((err: unknown) =>
        log.error({ err }, 'cannot store the thread id'));
    }
  };

  const idle = new IdleTimer(settings.idleTimeoutS, () => stopFor({ kind: 'timeout', reason: `no output for ${settings.idleTimeoutS}s` }));
  // Waiting for a person is not silence: the idle limit is off while an approval is open.
  approvals.onPendingChange((open) => (open > 0 ? idle.pause() : idle.resume()));
  const proc = startAgentProcess(spec, onLine, () => idle.touch());
  active.proc = proc;
  active.pid = proc.pid ?? null;
  log.info({ provider: provider.name, pid: proc.pid ?? null, worker_id: active.workerId, resumed_thread: threadId }, 'run started');

  let graceTimer: NodeJS.Timeout | undefined;
  let halted = false;
  // A driver is never asked to interrupt a turn it has not started (a cancel during the spawn).
  let driverStarted = false;
  const halt = () => {
    if (halted || active.exited || !active.stop) return;
    halted = true;
    const stop = active.stop;
    void (async () => {
      // Open approvals end first, and their answers (cancel, or deny on shutdown) reach the driver
      // — promise callbacks, run before the next macrotask — before it is asked to interrupt.
      await output.then(() => approvals.closeAll(stop.kind === 'shutdown' ? 'expired' : 'cancelled', stop.reason)).catch((err: unknown) =>
        log.error({ err }, 'cannot close the open approvals of a stopping run'));
      await new Promise((resolve) => setImmediate(resolve));
      if (active.exited) return;
      let interrupting = false;
      try {
        interrupting = driverStarted && driver.interrupt();
      } catch (err) {
        log.warn({ err }, 'driver failed to interrupt its turn');
      }
      if (!interrupting) return proc.terminate(settings.cancelGraceMs);
      // The agent was asked to end its turn; it gets the grace period to do so, then the usual stop.
      graceTimer = setTimeout(() => proc.terminate(settings.cancelGraceMs), settings.cancelGraceMs);
      graceTimer.unref();
    })();
  };
  const stopFor = (stop: StopRequest) => {
    active.stop ??= stop;
    halt();
  };
  active.halt = halt;

  if (proc.pid !== undefined) {
    await store.updateRun(run.id, { pid: proc.pid, pgid: proc.pid, proc_start: processStartTime(proc.pid) }, { type: 'run.process', data: { pid: proc.pid, resumed_thread: threadId } });
    startDriver(driver, ioFor(proc, output, approvals, log, run.id), () => stopFor({ kind: 'failure', reason: `the ${provider.name} driver failed to start the turn` }), log, run.id);
    driverStarted = true;
  }
  const wallTimer = settings.runTimeoutS > 0
    ? setTimeout(() => stopFor({ kind: 'timeout', reason: `run exceeded the wall-clock limit of ${settings.runTimeoutS}s` }), settings.runTimeoutS * 1000)
    : undefined;
  idle.start();
  // A cancel that raced the spawn: the process exists now, so stop it.
  if (active.stop) halt();

  let exit: ExitInfo;
  try {
    exit = await proc.exited;
  } finally {
    active.exited = true;
    clearTimeout(wallTimer);
    clearTimeout(graceTimer);
    idle.stop();
  }
  // The agent is gone: whatever it still waited for can no longer be carried out.
  const stopped = active.stop as StopRequest | null;
  await output.then(() => approvals.closeAll(stopped?.kind === 'shutdown' ? 'expired' : 'cancelled', stopped?.reason ?? 'its agent exited')).catch((err: unknown) =>
    log.error({ err }, 'cannot close the open approvals of an ended run'));
  await output.settled();

  let outcome: TurnOutcome;
  try {
    outcome = driver.finish(exit);
  } catch (err) {
    log.error({ err }, 'provider driver failed to finish the turn');
    outcome = { status: 'failed', finalText: null, usage: null, costUsd: null, error: `the ${provider.name} driver failed: ${(err as Error).message}` };
  }
  const patch: RunPatch = {
    exit_code: exit.code,
    usage: usageOfTurn(provider, outcome),
    final_text: outcome.finalText,
  };
  // Re-read: a cancel or a timer may have set it while the process ran.
  const stop = active.stop as StopRequest | null;
  if (stop) {
    await finish(store, active, stateFor(stop), { ...patch, error: stop.reason }, log, stop.reason, settings.budgets);
  } else if (outcome.status === 'completed') {
    await finish(store, active, 'completed', patch, log, undefined, settings.budgets);
  } else {
    await finish(store, active, 'failed', { ...patch, error: outcome.error }, log, outcome.error ?? undefined, settings.budgets);
  }
}

/** What the driver may do with the process: write, close its input, ask for approval. */
function ioFor(proc: AgentProcess, output: RunOutput, approvals: TurnApprovals, log: Logger, runId: string): TurnIO {
  return {
    send: (line) => proc.write(`${line}\n`),
    write: (text) => proc.write(text),
    endInput: () => proc.endInput(),
    askApproval(ask) {
      // Recorded after the events before it, so the log shows the ask where the agent made it.
      return output.then(() => approvals.record(ask)).then(
        (recorded) => recorded.decision,
        (err: unknown) => {
          log.error({ err }, 'cannot record an approval; denying it');
          return { decision: 'deny' as const, message: 'agentd could not record this approval, so it is denied' };
        },
      );
    },
  };
}

function startDriver(driver: TurnDriver, io: TurnIO, onFailure: () => void, log: Logger, runId: string): void {
  try {
    driver.start(io);
  } catch (err) {
    log.error({ err }, 'provider driver failed to start the turn');
    onFailure();
  }
}

function stateFor(stop: StopRequest): RunState {
  if (stop.kind === 'cancel') return 'cancelled';
  if (stop.kind === 'shutdown') return 'interrupted';
  return 'failed';
}

async function finish(store: Store, active: ActiveRun, to: RunState, patch: RunPatch, log: Logger, reason?: string, budgets?: BudgetDefaults) {
  // `log` is the run's child logger: it already names the run and its session.
  try {
    await store.transitionRun(active.runId, to, { expected: 'running', patch, ...(reason ? { reason } : {}), ...(budgets ? { budgets } : {}) });
  } catch (err) {
    // Someone moved the run on meanwhile (a manual transition); their word stands.
    if (err instanceof AppError && (err.code === 'state_mismatch' || err.code === 'invalid_transition')) {
      log.warn({ to }, 'run changed state while it ran; final state not written');
      return;
    }
    throw err;
  }
  const line = { state: to, exit_code: patch.exit_code ?? null, ms: Date.now() - active.startedAt, ...(reason ? { reason } : {}) };
  if (to === 'failed') log.warn(line, 'run ended');
  else log.info(line, 'run ended');
}
