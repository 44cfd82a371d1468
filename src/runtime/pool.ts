import type { Logger } from 'pino';
import { AppError } from '../domain/errors.js';
import { isTerminal } from '../domain/run-states.js';
import type { Diagnostics, Run, Worker } from '../protocol/schemas.js';
import type { Provider } from '../providers/provider.js';
import type { Store } from '../store/store.js';
import type { Runtime } from './runtime.js';
import { executeRun, type ActiveRun, type ExecutionSettings } from './execute-run.js';
import { recoverInterruptedRuns } from './recovery.js';
import { diagnoseRun } from './diagnose.js';

export interface PoolOptions extends ExecutionSettings {
  /**
   * Asked before a queued run starts: a reason means it must not (its session spent its budget
   * since it was queued, say) and the run is cancelled with that reason.
   */
  admit?: (run: Run) => Promise<string | null>;
  maxConcurrency: number;
  resumeInterrupted: boolean;
  codexInvocation: { profile: string | null; extra_args: string[] };
}

/** Events after which a run no longer holds its process: a worker or a session lane may be free. */
const ENDED_EVENTS = new Set(['run.completed', 'run.failed', 'run.cancelled', 'run.interrupted']);

interface WorkerSlot {
  id: string;
  active: ActiveRun | null;
}

/**
 * The worker pool: `maxConcurrency` slots take queued runs oldest first, at most one running run
 * per session (the store's dispatch query enforces the lane). Dispatch is event-driven: a commit
 * that queues a run, and the end of a run, each nudge the pool; nothing polls.
 */
export class WorkerPool implements Runtime {
  readonly maxConcurrency: number;
  private readonly slots: WorkerSlot[];
  private readonly active = new Map<string, ActiveRun>();
  private dispatching = false;
  private dispatchAgain = false;
  private closed = false;
  private started = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly providers: Map<string, Provider>,
    private readonly opts: PoolOptions,
    private readonly log: Logger,
  ) {
    this.maxConcurrency = opts.maxConcurrency;
    this.slots = Array.from({ length: opts.maxConcurrency }, (_, i) => ({ id: `worker-${i + 1}`, active: null }));
  }

  async start(): Promise<void> {
    await recoverInterruptedRuns(this.store, this.providers, { resumeInterrupted: this.opts.resumeInterrupted, log: this.log });
    this.unsubscribe = this.store.onEvents((events) => {
      let dispatch = false;
      for (const event of events) {
        if (event.type === 'run.queued') dispatch = true;
        else if (event.run_id && ENDED_EVENTS.has(event.type)) {
          // A run ended by a transition or cancel elsewhere frees its session's lane too.
          dispatch = true;
          this.stopIfEndedElsewhere(event.run_id, event.type);
        }
      }
      if (dispatch) this.nudge();
    });
    this.started = true;
    this.nudge();
  }

  /**
   * A run of ours was ended by someone else (a manual transition): its process must not outlive
   * it. Our own final write happens after the process is gone, so it never lands here live.
   */
  private stopIfEndedElsewhere(runId: string, type: string): void {
    const active = this.active.get(runId);
    if (!active?.proc || active.stop || active.exited) return;
    active.stop = { kind: 'cancel', reason: `run ended elsewhere (${type})` };
    active.halt?.();
  }

  workers(): Worker[] {
    return this.slots.map((slot) => ({
      id: slot.id,
      alive: !this.closed,
      run_id: slot.active?.runId ?? null,
      pid: slot.active?.pid ?? null,
    }));
  }

  /** Ask for a dispatch pass; passes never overlap, and a nudge during one triggers another. */
  nudge(): void {
    if (this.closed || !this.started) return;
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    void this.dispatch()
      .catch((err: unknown) => this.log.error({ err }, 'dispatch failed'))
      .finally(() => {
        this.dispatching = false;
        if (this.dispatchAgain) {
          this.dispatchAgain = false;
          this.nudge();
        }
      });
  }

  private async dispatch(): Promise<void> {
    for (;;) {
      const free = this.slots.filter((s) => s.active === null);
      if (free.length === 0 || this.closed) return;
      const runs = await this.store.listDispatchable(free.length);
      if (runs.length === 0) return;
      for (const [i, run] of runs.entries()) {
        const slot = free[i]!;
        const active = await this.claim(slot, run);
        if (active) this.launch(slot, active);
      }
    }
  }

  /** queued → running on this worker; another writer (cancel) may win the race, then skip. */
  private async claim(slot: WorkerSlot, run: Run): Promise<ActiveRun | null> {
    const refusal = await this.opts.admit?.(run);
    if (refusal) {
      await this.store.transitionRun(run.id, 'cancelled', { expected: 'queued', reason: refusal }).catch((err: unknown) => {
        // A cancel or another writer got there first; the run is not ours to start either way.
        if (!(err instanceof AppError && (err.code === 'state_mismatch' || err.code === 'invalid_transition'))) throw err;
      });
      return null;
    }
    const active: ActiveRun = {
      runId: run.id, sessionId: run.session_id, workerId: slot.id, pid: null, stop: null, proc: null, halt: null,
      exited: false, done: Promise.resolve(), startedAt: Date.now(),
    };
    slot.active = active;
    this.active.set(run.id, active);
    try {
      await this.store.transitionRun(run.id, 'running', { expected: 'queued', patch: { worker_id: slot.id } });
      return active;
    } catch (err) {
      slot.active = null;
      this.active.delete(run.id);
      if (err instanceof AppError && (err.code === 'state_mismatch' || err.code === 'invalid_transition')) return null;
      throw err;
    }
  }

  private launch(slot: WorkerSlot, active: ActiveRun): void {
    active.done = executeRun(this.store, this.providers, active, this.opts, this.log)
      .catch((err: unknown) => this.log.error({ err, run_id: active.runId, session_id: active.sessionId }, 'run execution failed'))
      .finally(() => {
        // The slot MUST be released whatever happened, or the pool shrinks by one for good.
        slot.active = null;
        this.active.delete(active.runId);
        this.nudge();
      });
  }

  async cancel(runId: string, reason: string): Promise<Run> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const active = this.active.get(runId);
      if (active) {
        active.stop ??= { kind: 'cancel', reason };
        active.halt?.();
        await active.done;
        return this.currentRun(runId);
      }
      const run = await this.currentRun(runId);
      if (isTerminal(run.state)) return run;
      const from = run.state === 'queued' ? 'queued' : run.state;
      try {
        // queued, or running/interrupted with no process here (a previous daemon's): end it now.
        return await this.store.transitionRun(runId, 'cancelled', { expected: from, reason });
      } catch (err) {
        if (err instanceof AppError && err.code === 'state_mismatch') continue; // it just started; retry
        if (err instanceof AppError && err.code === 'invalid_transition' && run.state === 'interrupted') {
          return this.store.transitionRun(runId, 'failed', { expected: 'interrupted', reason, patch: { error: reason } });
        }
        throw err;
      }
    }
    return this.currentRun(runId);
  }

  private async currentRun(runId: string): Promise<Run> {
    const found = await this.store.getRun(runId);
    if (!found) throw new AppError('run_not_found', `run ${runId} does not exist`);
    const { pgid: _pgid, proc_start: _start, ...run } = found;
    return run;
  }

  async diagnose(runId: string): Promise<Diagnostics> {
    const run = await this.currentRun(runId);
    return diagnoseRun(this.store, run, {
      active: this.active.get(runId) ?? null,
      workers: this.workers(),
      maxConcurrency: this.maxConcurrency,
      codexInvocation: this.opts.codexInvocation,
      idleTimeoutS: this.opts.idleTimeoutS,
    });
  }

  /** Stops dispatching and stops what runs; those become `interrupted`, recovered by the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    const running = [...this.active.values()];
    for (const active of running) {
      active.stop ??= { kind: 'shutdown', reason: 'the daemon shut down while the run was active' };
      active.halt?.();
    }
    await Promise.all(running.map((a) => a.done));
  }
}
