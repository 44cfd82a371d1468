import { isTerminal, type RunState } from '../domain/run-states.js';
import type { AgentEvent, Run } from '../protocol/schemas.js';
import type { Store } from '../store/store.js';

type Waiter = (run: Run) => void;

/**
 * Resolves waits on runs from the committed event stream — no polling. A waiter registers before
 * the run is read, so a run that ends between the read and the registration is still seen.
 */
export class RunWatcher {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly store: Store) {
    this.unsubscribe = store.onEvents((events) => this.onEvents(events));
  }

  private onEvents(events: AgentEvent[]): void {
    for (const event of events) {
      if (!event.run_id || !event.type.startsWith('run.')) continue;
      const run = (event.data as { run?: Run } | null)?.run;
      if (!run || !isTerminal(run.state as RunState)) continue;
      const set = this.waiters.get(event.run_id);
      if (!set) continue;
      this.waiters.delete(event.run_id);
      for (const waiter of set) waiter(run);
    }
  }

  /** The run once terminal, or its current state when `timeoutMs` passes first. */
  async waitForTerminal(runId: string, timeoutMs: number): Promise<{ run: Run; timedOut: boolean }> {
    let resolveTerminal!: Waiter;
    const terminal = new Promise<Run>((resolve) => (resolveTerminal = resolve));
    const set = this.waiters.get(runId) ?? new Set<Waiter>();
    set.add(resolveTerminal);
    this.waiters.set(runId, set);
    let timer: NodeJS.Timeout | undefined;
    try {
      const current = await this.store.getRun(runId);
      if (!current) throw new Error(`run ${runId} vanished`);
      if (isTerminal(current.state)) return { run: stripPgid(current), timedOut: false };
      const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
      const run = await Promise.race([terminal, timeout]);
      if (run) return { run, timedOut: false };
      const latest = await this.store.getRun(runId);
      return { run: stripPgid(latest!), timedOut: !isTerminal(latest!.state) };
    } finally {
      // Always deregister, or waits that timed out would pile up on a long-running run.
      if (timer) clearTimeout(timer);
      set.delete(resolveTerminal);
      if (set.size === 0 && this.waiters.get(runId) === set) this.waiters.delete(runId);
    }
  }

  close(): void {
    this.unsubscribe();
    this.waiters.clear();
  }
}

function stripPgid(run: Run & { pgid?: number | null }): Run {
  const { pgid: _pgid, ...rest } = run;
  return rest;
}
