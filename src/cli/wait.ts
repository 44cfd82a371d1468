import type { AgentdClient } from '../client/http-client.js';

/**
 * Waits until a run ends or `timeoutS` passes (undefined: as long as it takes). The server
 * long-polls up to a minute per call, so a long wait is a few calls, never a polling loop.
 */
export async function waitForRun(client: AgentdClient, runId: string, timeoutS: number | undefined) {
  const deadline = timeoutS === undefined ? Infinity : Date.now() + timeoutS * 1000;
  const remaining = () => Math.min(60, Math.max(0, (deadline - Date.now()) / 1000));
  let result = await client.waitRun(runId, remaining());
  while (result.timed_out && Date.now() < deadline) result = await client.waitRun(runId, remaining());
  return result;
}
