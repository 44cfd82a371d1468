import { AppError } from './errors.js';

export const RUN_STATES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
export type RunState = (typeof RUN_STATES)[number];

/**
 * The one run state machine. `interrupted` means the daemon lost the process (crash, restart);
 * from there a run is either re-queued (its provider can resume the thread) or failed.
 */
const LEGAL: Record<RunState, readonly RunState[]> = {
  queued: ['running', 'cancelled'],
  running: ['completed', 'failed', 'cancelled', 'interrupted'],
  interrupted: ['queued', 'failed'],
  completed: [],
  failed: [],
  cancelled: [],
};

export const TERMINAL_STATES: readonly RunState[] = ['completed', 'failed', 'cancelled'];

export function isTerminal(state: RunState): boolean {
  return TERMINAL_STATES.includes(state);
}

export function canTransition(from: RunState, to: RunState): boolean {
  return LEGAL[from].includes(to);
}

export function assertTransition(runId: string, from: RunState, to: RunState): void {
  if (!canTransition(from, to)) {
    throw new AppError('invalid_transition', `run ${runId} cannot go from ${from} to ${to}`, {
      run_id: runId,
      current_state: from,
      requested_state: to,
      allowed: [...LEGAL[from]],
    });
  }
}

/**
 * Moves an operator may force with a manual transition: every legal move but into `running`.
 * Only a worker of the pool starts a run — it claims the run and owns its process; a run put in
 * `running` by hand would hold its session's lane with nothing running it.
 */
export function assertManualTransition(runId: string, from: RunState, to: RunState): void {
  if (to !== 'running') return;
  throw new AppError('invalid_transition', `run ${runId} cannot be moved to running by hand: only the worker pool starts runs`, {
    run_id: runId,
    current_state: from,
    requested_state: to,
    allowed: LEGAL[from].filter((state) => state !== 'running'),
  });
}
