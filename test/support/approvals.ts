/**
 * Helpers for approval tests: the scripted agent speaking the jsonl protocol, and awaiting asks on
 * a session's stream (no polling).
 */
import { openWs, type Recorded } from './stream-clients.js';
import { scriptedAgentOptions } from './agent-fixture.js';
import type { TestDaemon } from './daemon.js';

/** startTestDaemon options: the scripted agent as the command provider, with approvals (jsonl). */
export const askingAgentOptions = { ...scriptedAgentOptions, commandProtocol: 'jsonl' };

export interface SessionWatch {
  stream: Recorded;
  /** The next `type` event (after those already taken) whose request is not yet seen. */
  next(type: 'request.created' | 'request.answered' | 'child.request'): Promise<any>;
  close(): void;
}

/** Watches a session's events from its start; `next` hands out each request event once. */
export async function watchSession(d: TestDaemon, sessionId: string, token?: string): Promise<SessionWatch> {
  const stream = await openWs(`${d.url}/sessions/${sessionId}/stream`, token ? { token } : {});
  const taken = new Set<string>();
  return {
    stream,
    async next(type) {
      const frame = await stream.waitFor((f) => f.type === type && !taken.has(`${type}:${f.data.request.id}`));
      taken.add(`${type}:${frame.data.request.id}`);
      return frame.data.request;
    },
    close: () => stream.close(),
  };
}
