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
  private readonly releases = new Set<() => void>();
  private closed = false;

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
      let release!: () => void;
      const timeout = new Promise<null>((resolve) => {
        release = () => resolve(null);
        timer = setTimeout(release, timeoutMs);
      });
      if (this.closed) release();
      this.releases.add(release);
      const run = await Promise.race([terminal, timeout]).finally(() => this.releases.delete(release));
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

  /** How many waits are pending (for daemon status). */
  get pending(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /** Ends every pending wait now (each answers with the run's current state, timed out), so a
   *  shutdown is not held up by long-polls that may last up to an hour. */
  close(): void {
    this.unsubscribe();
    this.closed = true;
    for (const release of this.releases) release();
    this.waiters.clear();
  }
}

function stripPgid(run: Run & { pgid?: number | null; proc_start?: string | null }): Run {
  const { pgid: _pgid, proc_start: _start, ...rest } = run;
  return rest;
}
