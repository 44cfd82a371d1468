import type { AgentdClient } from '../../client/http-client.js';
import type { AgentEvent, Run } from '../../protocol/schemas.js';

/** States a run does not leave (`interrupted` is not one: a restart re-queues or fails it). */
const TERMINAL = new Set<string>(['completed', 'failed', 'cancelled']);

export interface FollowRunOptions {
  client: AgentdClient;
  sessionId: string;
  runId: string;
  /** Every event of this run, in log order, up to and including the one that ends it. */
  onEvent(event: AgentEvent): void;
  /** Stops following early (Ctrl-C); the promise then resolves with null. */
  signal?: AbortSignal | undefined;
  onReconnect?(delayMs: number, cursor: string | undefined): void;
}

/**
 * Follows one run through its session's stream until the event that ends it, and resolves with the
 * run as that event carries it. The stream replays the session from its start (a cursor is opaque,
 * so there is no "now" to start from) and events of other runs are skipped; it resumes across
 * disconnects and daemon restarts without gaps, so the ending event cannot be missed.
 */
export async function followRun(opts: FollowRunOptions): Promise<Run | null> {
  // Loaded only here: plain commands stay as light as possible.
  const { followStream } = await import('../../client/stream-client.js');
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let ended: Run | null = null;
  try {
    await followStream({
      url: opts.client.baseUrl,
      token: opts.client.token,
      sessionId: opts.sessionId,
      signal: stop.signal,
      onEvent: (event) => {
        if (ended || event.run_id !== opts.runId) return;
        opts.onEvent(event);
        const run = (event.data as { run?: Run } | null)?.run;
        if (event.type.startsWith('run.') && run?.id === opts.runId && TERMINAL.has(run.state)) {
          ended = run;
          stop.abort();
        }
      },
      ...(opts.onReconnect && { onReconnect: opts.onReconnect }),
    });
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  return ended;
}
