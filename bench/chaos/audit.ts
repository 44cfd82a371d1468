/**
 * What the clients were promised, checked against what the final daemon stored: every
 * acknowledged message is there with its run, no key ran twice, every run ended, and every stream
 * delivered each stored event of its sessions exactly once.
 */
import type { AgentdClient } from '../../src/client/http-client.js';
import { TERMINAL_STATES } from '../../src/domain/run-states.js';
import type { RunState } from '../../src/domain/run-states.js';
import { inParallel } from '../support/http.js';
import type { StreamEvent } from '../support/stream-watch.js';
import { waitUntil } from '../../test/support/wait.js';
import type { Follower } from './followers.js';
import { pause } from './random.js';
import type { Acknowledged, CancelAnswer } from './senders.js';

/** A session's whole stored log, oldest first. */
export async function readLog(client: AgentdClient, sessionId: string): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await client.listEvents(sessionId, { limit: 1000, ...(cursor && { cursor }) });
    events.push(...(page.events as unknown as StreamEvent[]));
    if (!page.has_more || page.events.length === 0) return events;
    cursor = page.next_cursor ?? undefined;
  }
}

/** Each run of a log with the state of its last state event. */
export function runsOf(log: StreamEvent[]): Map<string, { state: RunState; prompt: string }> {
  const runs = new Map<string, { state: RunState; prompt: string }>();
  for (const event of log) {
    const run = event.data?.run;
    if (event.type.startsWith('run.') && run?.id) runs.set(run.id, { state: run.state, prompt: run.prompt });
  }
  return runs;
}

/**
 * Waits until every run has ended, each with `GET /runs/{id}/wait` (answered by agentd when the
 * run's end is committed), giving up at `deadline`: what is not over then is stuck.
 */
export async function drainRuns(client: AgentdClient, runIds: string[], deadline: number, halt: AbortSignal): Promise<void> {
  await inParallel(runIds, 8, async (id) => {
    while (Date.now() < deadline && !halt.aborted) {
      try {
        const { run } = await client.waitRun(id, Math.max(1, Math.ceil((deadline - Date.now()) / 1000)));
        if (TERMINAL_STATES.includes(run.state)) return;
      } catch {
        await pause(100);
      }
    }
  });
}

export interface RunAudit {
  runs: number;
  /** Acknowledged messages whose message or run is not stored. */
  lost: number;
  /** Runs beyond the first for one idempotency key. */
  duplicateRuns: number;
  /** Runs not completed, failed or cancelled. */
  stuck: number;
  /** Cancels answered with an end state the run does not have in the end. */
  cancelsNotKept: number;
  /** By state, over every run. */
  states: Record<string, number>;
  /**
   * Acknowledged by replaying the stored answer: the message was committed before the attempt
   * that got the answer was sent, i.e. an earlier attempt's answer was lost to a kill. Shows that
   * the dangerous path (commit, crash, retry) was taken, not only "refused, retried".
   */
  replayed: number;
  details: string[];
}

export function auditRuns(acknowledged: Acknowledged[], logs: Map<string, StreamEvent[]>, cancels: CancelAnswer[] = []): RunAudit {
  const audit: RunAudit = { runs: 0, lost: 0, duplicateRuns: 0, stuck: 0, cancelsNotKept: 0, states: {}, replayed: 0, details: [] };
  const note = (line: string) => audit.details.length < 20 && audit.details.push(line);
  const messages = new Map<string, Map<string, number>>(); // session → stored message id → created at (ms)
  const runsByPrompt = new Map<string, string[]>();
  const runs = new Map<string, { state: RunState; prompt: string }>();
  for (const [sessionId, log] of logs) {
    messages.set(sessionId, new Map(log.filter((e) => e.type === 'message.created').map((e) => [e.data.message.id as string, Date.parse(e.data.message.created_at)] as const)));
    for (const [id, run] of runsOf(log)) {
      runs.set(id, run);
      runsByPrompt.set(run.prompt, [...(runsByPrompt.get(run.prompt) ?? []), id]);
    }
  }
  audit.runs = runs.size;
  for (const ack of acknowledged) {
    if (!messages.get(ack.sessionId)?.has(ack.messageId) || !runs.has(ack.runId)) {
      audit.lost++;
      note(`lost: ${ack.key} acknowledged as ${ack.messageId} / ${ack.runId} after ${ack.attempts} attempt(s), not stored`);
    } else if (ack.attempts > 1 && messages.get(ack.sessionId)!.get(ack.messageId)! < ack.lastAttemptAt) audit.replayed++;
    const sameKey = runsByPrompt.get(ack.key) ?? [];
    if (sameKey.length > 1) {
      audit.duplicateRuns += sameKey.length - 1;
      note(`duplicate: ${ack.key} has runs ${sameKey.join(', ')}`);
    }
  }
  for (const cancel of cancels) {
    const final = runs.get(cancel.runId)?.state;
    if (TERMINAL_STATES.includes(cancel.state) && final !== cancel.state) {
      audit.cancelsNotKept++;
      note(`cancel: ${cancel.runId} was answered ${cancel.state}, but is ${final ?? 'not stored'}`);
    }
  }
  for (const [id, run] of runs) {
    audit.states[run.state] = (audit.states[run.state] ?? 0) + 1;
    if (!TERMINAL_STATES.includes(run.state)) {
      audit.stuck++;
      note(`stuck: ${id} (${run.prompt}) is ${run.state}`);
    }
  }
  return audit;
}

/** The stored events a follower should have received: its session's, or every session's. */
function expectedFor(follower: Follower, logs: Map<string, StreamEvent[]>): StreamEvent[][] {
  return follower.sessionId ? [logs.get(follower.sessionId) ?? []] : [...logs.values()];
}

/**
 * Waits until each follower has received the last stored event of each session it follows, or
 * `deadline` passes (what it has not received by then counts as a gap).
 */
export async function awaitCatchUp(followers: Follower[], logs: Map<string, StreamEvent[]>, deadline: number): Promise<void> {
  await Promise.all(followers.map(async (follower) => {
    const lastIds = expectedFor(follower, logs).map((log) => log.at(-1)?.id).filter((id): id is string => !!id);
    try {
      await waitUntil(`${follower.name} received ${lastIds.join(', ')}`, () => {
        const ids = new Set(follower.received.map((e) => e.id));
        return lastIds.every((id) => ids.has(id));
      }, { timeoutMs: Math.max(0, deadline - Date.now()) });
    } catch {
      // Counted by auditStreams.
    }
  }));
}

export interface StreamAudit {
  /** Stored events a follower never received. */
  gaps: number;
  /** Events a follower received more than once. */
  duplicates: number;
  /** Received events that are not the stored event of their seq, arrived out of order, or a stored log with a hole in its seq. */
  mismatches: number;
  received: number;
  details: string[];
}

export function auditStreams(followers: Follower[], logs: Map<string, StreamEvent[]>): StreamAudit {
  const audit: StreamAudit = { gaps: 0, duplicates: 0, mismatches: 0, received: 0, details: [] };
  const note = (line: string) => audit.details.length < 20 && audit.details.push(line);
  const stored = new Map<string, Map<number, string>>(); // session → seq → id
  for (const [sessionId, log] of logs) {
    const bySeq = new Map(log.map((e) => [e.seq, e.id] as const));
    stored.set(sessionId, bySeq);
    const first = log[0]?.seq ?? 1;
    log.forEach((event, i) => {
      if (event.seq !== first + i) {
        audit.mismatches++;
        note(`log: ${sessionId} holds seq ${event.seq} at position ${i} (a hole in the stored log)`);
      }
    });
  }
  for (const follower of followers) {
    audit.received += follower.received.length;
    const seen = new Map<string, Map<number, number>>(); // session → seq → times received
    const lastSeq = new Map<string, number>();
    for (const event of follower.received) {
      const expected = stored.get(event.session_id)?.get(event.seq);
      if (expected !== event.id) {
        audit.mismatches++;
        note(`${follower.name}: received ${event.id} as seq ${event.seq} of ${event.session_id}; stored: ${expected ?? 'nothing'}`);
        continue;
      }
      const counts = seen.get(event.session_id) ?? new Map<number, number>();
      seen.set(event.session_id, counts);
      const times = (counts.get(event.seq) ?? 0) + 1;
      counts.set(event.seq, times);
      if (times > 1) {
        audit.duplicates++;
        note(`${follower.name}: seq ${event.seq} of ${event.session_id} received ${times} times`);
      } else if (event.seq < (lastSeq.get(event.session_id) ?? 0)) {
        audit.mismatches++;
        note(`${follower.name}: seq ${event.seq} of ${event.session_id} arrived after seq ${lastSeq.get(event.session_id)}`);
      }
      lastSeq.set(event.session_id, Math.max(event.seq, lastSeq.get(event.session_id) ?? 0));
    }
    for (const log of expectedFor(follower, logs)) {
      for (const event of log) {
        if (!seen.get(event.session_id)?.has(event.seq)) {
          audit.gaps++;
          note(`${follower.name}: never received seq ${event.seq} (${event.id}, ${event.type}) of ${event.session_id}`);
        }
      }
    }
  }
  return audit;
}
