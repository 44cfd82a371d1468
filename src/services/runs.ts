import { AppError } from '../domain/errors.js';
import type { RunState } from '../domain/run-states.js';
import type { Run } from '../protocol/schemas.js';
import type { IdempotencyWrite, Store } from '../store/store.js';
import type { Principal } from '../domain/principal.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Diagnostics } from '../protocol/schemas.js';
import type { RunWatcher } from '../runtime/run-watcher.js';
import type { SessionService } from './sessions.js';

export class RunService {
  constructor(
    private readonly store: Store,
    private readonly sessions: SessionService,
    private readonly runtime: Runtime,
    private readonly watcher: RunWatcher,
  ) {}

  /** A run the principal may see: one in a session it owns. */
  async visible(principal: Principal, runId: string): Promise<Run> {
    const found = await this.store.getRun(runId);
    if (!found) throw new AppError('run_not_found', `run ${runId} does not exist`);
    try {
      await this.sessions.visible(principal, found.session_id);
    } catch {
      throw new AppError('run_not_found', `run ${runId} does not exist`);
    }
    const { pgid: _pgid, proc_start: _start, ...run } = found;
    return run;
  }

  async create(
    principal: Principal,
    input: { session_id: string; prompt: string },
    idem?: IdempotencyWrite,
  ): Promise<{ run: Run }> {
    this.sessions.access.requireOperator(principal, 'queue runs directly');
    const session = await this.sessions.visible(principal, input.session_id);
    await this.sessions.admitRun(session);
    const run = await this.store.createRun(session.id, { provider: session.provider, prompt: input.prompt }, idem);
    return { run };
  }

  async transition(
    principal: Principal,
    runId: string,
    input: { state: RunState; expected_state?: RunState | undefined; reason?: string | undefined },
  ): Promise<{ run: Run }> {
    await this.visible(principal, runId);
    this.sessions.access.requireOperator(principal, 'force run transitions');
    const run = await this.store.transitionRun(runId, input.state, {
      expected: input.expected_state,
      reason: input.reason ?? 'manual transition',
    });
    return { run };
  }

  async cancel(principal: Principal, runId: string): Promise<{ run: Run }> {
    const run = await this.visible(principal, runId);
    await this.sessions.access.requireBelow(principal, run.session_id, 'cancel runs in');
    return { run: await this.runtime.cancel(runId, 'cancelled by request') };
  }

  async wait(principal: Principal, runId: string, timeoutS: number): Promise<{ run: Run; timed_out: boolean }> {
    await this.visible(principal, runId);
    const { run, timedOut } = await this.watcher.waitForTerminal(runId, timeoutS * 1000);
    return { run, timed_out: timedOut };
  }

  async diagnose(principal: Principal, runId: string): Promise<{ run: Run; diagnostics: Diagnostics }> {
    const run = await this.visible(principal, runId);
    return { run, diagnostics: await this.runtime.diagnose(runId) };
  }
}
