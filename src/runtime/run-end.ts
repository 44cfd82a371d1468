import type { Logger } from 'pino';
import { AppError } from '../domain/errors.js';
import type { RunState } from '../domain/run-states.js';
import type { BudgetDefaults, RunPatch, Store } from '../store/store.js';

/** A run's final state, as it is to be written. */
export interface RunEnd {
  runId: string;
  to: RunState;
  patch: RunPatch;
  reason?: string;
  /** Spend limits: the final write announces any the session crosses. */
  budgets?: BudgetDefaults;
  /** When the run started (its worker's clock), for the log line of its end. */
  startedAt?: number;
}

/** The run is over but its end could not be written; whoever catches this must write it later. */
export class EndNotWrittenError extends Error {
  constructor(readonly end: RunEnd, override readonly cause: unknown) {
    super(`the end of run ${end.runId} (${end.to}) could not be written: ${messageOf(cause)}`);
  }
}

export const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Writes a run's end; throws EndNotWrittenError when the store cannot (the pool writes it later,
 * see PendingEnds). `log` is the run's child logger: it already names the run and its session.
 */
export async function writeEnd(store: Store, end: RunEnd, log: Logger): Promise<void> {
  const { to, patch, reason, budgets } = end;
  try {
    await store.transitionRun(end.runId, to, { expected: 'running', patch, ...(reason ? { reason } : {}), ...(budgets ? { budgets } : {}) });
  } catch (err) {
    // Someone moved the run on meanwhile (a manual transition, a cancel); their word stands.
    if (err instanceof AppError && (err.code === 'state_mismatch' || err.code === 'invalid_transition')) {
      log.warn({ to }, 'run changed state while it ran; final state not written');
      return;
    }
    throw new EndNotWrittenError(end, err);
  }
  const line = { state: to, exit_code: patch.exit_code ?? null, ...(end.startedAt !== undefined && { ms: Date.now() - end.startedAt }), ...(reason ? { reason } : {}) };
  if (to === 'failed') log.warn(line, 'run ended');
  else log.info(line, 'run ended');
}
