import type { Logger } from 'pino';
import { AppError } from '../domain/errors.js';
import type { RunState } from '../domain/run-states.js';
import type { ResolvedApprovals } from '../domain/approval-policy.js';
import type { ApprovalAsk } from '../providers/conversation.js';
import type { Provider } from '../providers/provider.js';
import type { Run, Session } from '../protocol/schemas.js';
import type { BudgetDefaults, NewEvent, RunPatch, Store } from '../store/store.js';
import { usageOfTurn } from '../providers/usage.js';
import type { StopRequest, TurnRecord } from '../supervisor/records.js';
import { removeRunSpool } from '../supervisor/spool.js';
import type { ActiveRun, ExecutionSettings } from './execute-run.js';
import { IdleTimer } from './idle-timer.js';
import { messageOf, writeEnd } from './run-end.js';
import { killLeftovers, settleInterrupted } from './recovery.js';
import type { TurnSource } from './turn-source.js';

export interface FollowedTurn {
  run: Run;
  session: Session;
  provider: string;
  /** The session's thread id for this provider when the turn started. */
  threadId: string | null;
  approvals: ResolvedApprovals;
  source: TurnSource;
  /** The run's spool directory; null for an agent without a supervisor. */
  spoolDir: string | null;
}

/**
 * Follows one turn from its records to the run's final state: each batch of records becomes one
 * transaction of events (with the spool offset it reaches), asks become approvals whose answers go
 * back to the agent, and the exit record decides the run. Cancel, the wall-clock limit and the
 * idle limit stop the turn the same way whether agentd started it or re-attached to it.
 *
 * Ends one of three ways: the exit record (final state written, spool removed); the spool ending
 * without one while no supervisor answers (interrupted-run rules); or a detach (agentd stops and
 * leaves the agent running: nothing is written, its approvals stay open).
 */
export async function followTurn(
  store: Store,
  providers: Map<string, Provider>,
  active: ActiveRun,
  settings: ExecutionSettings,
  turn: FollowedTurn,
  log: Logger,
): Promise<void> {
  const { run, source } = turn;
  const approvals = settings.approvals.forTurn({ run, session: turn.session, attempt: run.attempt, approvals: turn.approvals, adopted: active.reattached !== null });
  const idle = new IdleTimer(settings.idleTimeoutS, () => stopFor({ kind: 'timeout', reason: `no output for ${settings.idleTimeoutS}s` }));
  source.onActivity = () => idle.touch();
  // Waiting for a person is not silence: the idle limit is off while an approval is open.
  approvals.onPendingChange((open) => (open > 0 ? idle.pause() : idle.resume()));

  let halted = false;
  const halt = () => {
    if (halted || active.exited || !active.stop) return;
    halted = true;
    const stop = active.stop;
    void (async () => {
      // Open approvals end first, and their answers (cancel, or deny on shutdown) go to the agent
      // before the stop does.
      await approvals.closeAll(stop.kind === 'shutdown' ? 'expired' : 'cancelled', stop.reason).catch((err: unknown) =>
        log.error({ err }, 'cannot close the open approvals of a stopping run'));
      await new Promise((resolve) => setImmediate(resolve));
      if (!active.exited) source.halt(stop);
    })();
  };
  const stopFor = (stop: StopRequest) => {
    active.stop ??= stop;
    halt();
  };
  active.halt = halt;

  // The wall-clock limit counts from the run's start, also across a restart of agentd.
  const elapsedMs = run.started_at ? Date.now() - Date.parse(run.started_at) : 0;
  const wallTimer = settings.runTimeoutS > 0
    ? setTimeout(() => stopFor({ kind: 'timeout', reason: `run exceeded the wall-clock limit of ${settings.runTimeoutS}s` }), Math.max(0, settings.runTimeoutS * 1000 - elapsedMs))
    : undefined;
  idle.start(Date.now() - source.lastOutputAt);
  // A cancel that raced the start: the agent exists now, so stop it.
  if (active.stop) halt();

  const ask = async (request: ApprovalAsk) => {
    let decision;
    try {
      decision = (await approvals.record(request)).decision;
    } catch (err) {
      log.error({ err }, 'cannot record an approval; denying it');
      decision = Promise.resolve({ decision: 'deny' as const, message: 'agentd could not record this approval, so it is denied' });
    }
    void decision.then((d) => source.decide(request.key, d));
  };
  // Asks the agent was already waiting on (a re-attach): the same key finds the same approval,
  // open (its answer still to come) or answered while the answer was on its way.
  for (const request of source.pendingAtAttach) await ask(request);

  let knownThread = turn.threadId;
  let pending: NewEvent[] = [];
  let thread: string | undefined;
  let offset: number | null = null;
  let written: number | null = null;
  let storeFailed = false;
  const write = async () => {
    if (pending.length === 0 && thread === undefined && offset === written) return;
    const batch = { sessionId: run.session_id, events: pending, ...(thread ? { thread: { provider: turn.provider, id: thread } } : {}), ...(offset !== null ? { spool: { attempt: run.attempt, offset } } : {}) };
    pending = [];
    thread = undefined;
    if (storeFailed) return;
    try {
      await store.appendRunOutput(run.id, batch);
      written = offset;
    } catch (err) {
      // The batch is gone with its rollback, so the run's record has a hole: nothing after it is
      // stored either, and the run is stopped and fails. Not retried (see runbook, "A full disk").
      storeFailed = true;
      log.error({ err }, 'cannot store the output of a run; stopping it, it will fail');
      stopFor({ kind: 'store', reason: `agentd could not record the run's output (${messageOf(err)}); the run was stopped` });
    }
  };

  let exit: Extract<TurnRecord, { t: 'exit' }> | null = null;
  let lost: string | null = null;
  try {
    while (!exit && !lost) {
      const read = await source.next();
      if (read.kind === 'detached') return;
      if (read.kind === 'lost') {
        lost = read.reason;
        break;
      }
      for (const { record, end } of read.records) {
        switch (record.t) {
          case 'out':
            if (record.events) pending.push(...record.events);
            offset = end;
            if (record.thread && record.thread !== knownThread) {
              // Stored after the events before it, in the same transaction.
              knownThread = thread = record.thread;
              await write();
            }
            break;
          case 'ask':
            // Recorded after the events before it, so the log shows the ask where the agent made it.
            await write();
            await ask(record.ask);
            offset = end;
            break;
          case 'stop':
            // The supervisor stopped the turn (told by us, by a signal, or its driver failed).
            offset = end;
            stopFor(record.stop);
            break;
          case 'exit':
            offset = end;
            exit = record;
            break;
        }
        if (exit) break;
      }
      await write();
      if (written !== null) source.committed(written);
      const catchUp = active.reattached;
      if (catchUp && !catchUp.caught_up_at) {
        catchUp.caught_up_records += read.records.length;
        if (written !== null && written >= catchUp.behind_until) catchUp.caught_up_at = new Date().toISOString();
      }
    }
  } finally {
    active.exited = exit !== null || lost !== null;
    clearTimeout(wallTimer);
    idle.stop();
  }

  if (lost) {
    await approvals.closeAll('expired', `its agent is gone (${lost})`).catch((err: unknown) =>
      log.error({ err }, 'cannot close the open approvals of a lost run'));
    const left = await store.getRun(run.id);
    if (left) killLeftovers(left, log);
    log.warn({ reason: lost }, 'a run lost its supervisor');
    try {
      await store.transitionRun(run.id, 'interrupted', { expected: 'running', reason: `the run's supervisor is gone: ${lost}` });
      const interrupted = await store.getRun(run.id);
      if (interrupted) await settleInterrupted(store, providers, interrupted, settings.resumeInterrupted);
    } catch (err) {
      if (!(err instanceof AppError && (err.code === 'state_mismatch' || err.code === 'invalid_transition'))) throw err;
    }
    if (turn.spoolDir) removeRunSpool(turn.spoolDir);
    return;
  }

  // The agent is gone: whatever it still waited for can no longer be carried out.
  const stopped = active.stop as StopRequest | null;
  await approvals.closeAll(stopped?.kind === 'shutdown' ? 'expired' : 'cancelled', stopped?.reason ?? 'its agent exited').catch((err: unknown) =>
    log.error({ err }, 'cannot close the open approvals of an ended run'));
  const { exit: info, outcome } = exit!;
  const provider = providers.get(turn.provider);
  const patch: RunPatch = { exit_code: info.code, usage: provider ? usageOfTurn(provider, outcome) : null, final_text: outcome.finalText };
  const stop = active.stop as StopRequest | null;
  const budgets = settings.budgets;
  if (stop) await finishRun(store, active, stateFor(stop), { ...patch, error: stop.reason }, log, stop.reason, budgets);
  else if (outcome.status === 'completed') await finishRun(store, active, 'completed', patch, log, undefined, budgets);
  else await finishRun(store, active, 'failed', { ...patch, error: outcome.error }, log, outcome.error ?? undefined, budgets);
  // Every record is committed and the run has ended: the spool has nothing more to give.
  if (turn.spoolDir) removeRunSpool(turn.spoolDir);
}

export function stateFor(stop: StopRequest): RunState {
  if (stop.kind === 'cancel') return 'cancelled';
  if (stop.kind === 'shutdown') return 'interrupted';
  return 'failed';
}

/** Writes the run's end; throws EndNotWrittenError when the store cannot (the pool writes it later). */
export async function finishRun(store: Store, active: ActiveRun, to: RunState, patch: RunPatch, log: Logger, reason?: string, budgets?: BudgetDefaults) {
  await writeEnd(store, { runId: active.runId, to, patch, startedAt: active.startedAt, ...(reason ? { reason } : {}), ...(budgets ? { budgets } : {}) }, log);
}
