import { ApiError, UnreachableError, type AgentdClient } from '../client/http-client.js';

/** How long a wait rides out a daemon that is gone (restarting) before it gives up. */
const UNREACHABLE_GRACE_MS = 60_000;

/**
 * Waits until a run ends or `timeoutS` passes (undefined: as long as it takes). The server
 * long-polls up to a minute per call, so a long wait is a few calls, never a polling loop.
 *
 * A daemon that stops answers the pending call with `timed_out: true`; the wait then carries on
 * against the daemon that comes back (the run's state is in the database), retrying with backoff
 * while it is unreachable or answers 503, for at most a minute at a stretch.
 */
export async function waitForRun(client: AgentdClient, runId: string, timeoutS: number | undefined, onRetry?: (delayMs: number) => void) {
  const deadline = timeoutS === undefined ? Infinity : Date.now() + timeoutS * 1000;
  const remaining = () => Math.min(60, Math.max(0, (deadline - Date.now()) / 1000));
  let downSince: number | undefined;
  let failures = 0;
  for (;;) {
    try {
      const result = await client.waitRun(runId, remaining());
      downSince = undefined;
      failures = 0;
      if (!result.timed_out || Date.now() >= deadline) return result;
    } catch (err) {
      const transient = err instanceof UnreachableError || (err instanceof ApiError && err.status === 503);
      downSince ??= Date.now();
      if (!transient || Date.now() - downSince > UNREACHABLE_GRACE_MS || Date.now() >= deadline) throw err;
      failures += 1;
      const delay = Math.min(5000, 100 * 2 ** Math.min(failures, 6));
      onRetry?.(delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** What agentctl tells the user while a wait rides out a restarting daemon. */
export function retryNotice(delayMs: number): void {
  process.stderr.write(`agentctl: agentd is not answering; retrying the wait in ${delayMs} ms\n`);
}
