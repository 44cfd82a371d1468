import type { Diagnostics, Run, Worker } from '../protocol/schemas.js';

/** What the gateway needs from the execution runtime (worker pool, processes, recovery). */
export interface Runtime {
  readonly maxConcurrency: number;
  workers(): Worker[];
  /** Cancel a queued run at once, or kill a running one's process group; idempotent on ended runs. */
  cancel(runId: string, reason: string): Promise<Run>;
  diagnose(runId: string): Promise<Diagnostics>;
  /** Recover what a previous daemon left behind (re-attaching to runs that live on), then start dispatching. */
  start(): Promise<void>;
  /** Stops dispatching; active runs are left to their supervisors, stopped or cancelled. */
  close(runs?: 'leave' | 'stop' | 'cancel'): Promise<{ left: number }>;
}
