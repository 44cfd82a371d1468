import type { Diagnostics, Run, Worker } from '../protocol/schemas.js';

/** What the gateway needs from the execution runtime (worker pool, processes, recovery). */
export interface Runtime {
  readonly maxConcurrency: number;
  workers(): Worker[];
  /** Cancel a queued run at once, or kill a running one's process group; idempotent on ended runs. */
  cancel(runId: string, reason: string): Promise<Run>;
  diagnose(runId: string): Promise<Diagnostics>;
  /** Recover what a previous daemon left behind, then start dispatching. */
  start(): Promise<void>;
  close(): Promise<void>;
}
