/**
 * Clients that send messages the way a careful client must when the daemon can die at any moment:
 * every POST carries an `Idempotency-Key`, and a request whose answer did not arrive (connection
 * refused or reset, a 5xx, `409 idempotency_key_in_flight`) is sent again with the same key until
 * it is acknowledged. Each sender has its own session and keeps at most `window` runs unfinished.
 */
import { AgentdClient, ApiError } from '../../src/client/http-client.js';
import type { Message, Run, Session } from '../../src/protocol/schemas.js';
import { TERMINAL_STATES } from '../../src/domain/run-states.js';
import { pause, type Random } from './random.js';

export interface Acknowledged {
  key: string;
  sessionId: string;
  messageId: string;
  runId: string;
  /** Attempts until the acknowledgement (1 = the first answer arrived). */
  attempts: number;
  /** When the acknowledged attempt was sent (ms since the epoch). */
  lastAttemptAt: number;
}

/** A cancel agentd answered: the run's state in that answer must be its state for good. */
export interface CancelAnswer {
  runId: string;
  state: Run['state'];
}

export interface SenderStats {
  acknowledged: Acknowledged[];
  cancels: CancelAnswer[];
  /** POSTs sent again because no answer came. */
  retries: number;
  /** Why they were sent again: `ECONNREFUSED`, `503 service_unavailable`, … → how often. */
  retryReasons: Record<string, number>;
  /** A refusal no retry can fix (a 4xx other than in-flight): the harness or agentd is wrong. */
  errors: string[];
}

/** The prompt of a message is its key: the audit finds a message's runs by it. */
export const promptOf = (key: string): string => key;

/** Whether a failed attempt is worth repeating with the same key. */
function retryable(err: unknown): boolean {
  if (!(err instanceof ApiError)) return true; // no answer at all: connection refused, reset, cut short
  return err.status >= 500 || err.problem.code === 'idempotency_key_in_flight';
}

/** A short name for why an attempt got no acknowledgement. */
function reasonOf(err: unknown): string {
  if (err instanceof ApiError) return `${err.status} ${err.problem.code}`;
  const text = err instanceof Error ? err.message : String(err);
  return /\(([A-Z_]+)\)/.exec(text)?.[1] ?? (err as { code?: string }).code ?? text.slice(0, 60);
}

/**
 * Calls `attempt` until it is answered: a lost answer (connection refused or reset, a 5xx,
 * `409 idempotency_key_in_flight`, a body cut short) is tried again, a refusal is thrown.
 */
async function untilAnswered<T>(attempt: () => Promise<T>, what: string, random: Random, stats: SenderStats, halt: AbortSignal): Promise<{ answer: T; attempts: number; lastAttemptAt: number }> {
  for (let n = 1; ; n++) {
    if (halt.aborted) throw new Error(`interrupted while sending ${what}`);
    const sentAt = Date.now();
    try {
      const answer = await attempt();
      // An answer cut short after its status line parses as null: it acknowledged nothing we can check.
      if (answer !== null && typeof answer === 'object') return { answer, attempts: n, lastAttemptAt: sentAt };
      stats.retryReasons['answer cut short'] = (stats.retryReasons['answer cut short'] ?? 0) + 1;
    } catch (err) {
      if (!retryable(err)) throw err;
      const reason = reasonOf(err);
      stats.retryReasons[reason] = (stats.retryReasons[reason] ?? 0) + 1;
    }
    stats.retries++;
    // Capped exponential backoff with jitter, as a well-behaved client does: a daemon that is still
    // starting is not hammered by every client at once.
    const ceiling = Math.min(500, 20 * 2 ** Math.min(n, 10));
    await pause(random.int(ceiling / 2, ceiling), halt);
  }
}

/** A POST with an idempotency key, sent until acknowledged. */
const postUntilAcknowledged = <T>(client: AgentdClient, path: string, body: unknown, key: string, random: Random, stats: SenderStats, halt: AbortSignal) =>
  untilAnswered(() => client.request<T>('POST', path, { body, headers: { 'idempotency-key': key } }), key, random, stats, halt);

export class Sender {
  readonly stats: SenderStats = { acknowledged: [], cancels: [], retries: 0, retryReasons: {}, errors: [] };
  private readonly cancelling: Promise<void>[] = [];
  sessionId: string | null = null;

  constructor(
    private readonly client: AgentdClient,
    private readonly random: Random,
    private readonly keyPrefix: string,
    private readonly window: number,
    /** Share of runs this sender cancels soon after sending their message (0–1). */
    private readonly cancelShare: number,
    private readonly onAcknowledged: () => void,
  ) {}

  /**
   * Creates the session, tells `onSession`, then sends until `stop` aborts. A message being sent
   * when `stop` aborts is still sent until acknowledged, so no message is left in doubt; only
   * `halt` (the harness interrupted) gives up on it.
   */
  async run(stop: AbortSignal, halt: AbortSignal, onSession: (id: string) => void): Promise<void> {
    try {
      const { answer } = await postUntilAcknowledged<{ session: Session }>(
        this.client, 'sessions', { title: this.keyPrefix, provider: 'command' }, `${this.keyPrefix}-session`, this.random, this.stats, halt);
      const sessionId = answer.session.id;
      this.sessionId = sessionId;
      onSession(sessionId);
      for (let n = 1; !stop.aborted; n++) {
        const key = `${this.keyPrefix}-m${n}`;
        const { answer: sent, attempts, lastAttemptAt } = await postUntilAcknowledged<{ message: Message; run: Run | null }>(
          this.client, `sessions/${sessionId}/messages`, { text: promptOf(key) }, key, this.random, this.stats, halt);
        if (!sent.run) throw new Error(`${key}: a user message was acknowledged without a run`);
        this.stats.acknowledged.push({ key, sessionId, messageId: sent.message.id, runId: sent.run.id, attempts, lastAttemptAt });
        this.onAcknowledged();
        if (this.random.chance(this.cancelShare)) this.cancelling.push(this.cancelSoon(sent.run.id, this.random.fork(), halt));
        const older = this.stats.acknowledged.at(-this.window);
        if (older && this.stats.acknowledged.length >= this.window) await this.waitForEnd(older.runId, stop);
      }
    } catch (err) {
      this.stats.errors.push(err instanceof Error ? err.message : String(err));
    }
    await Promise.all(this.cancelling);
  }

  /**
   * Cancels the run a moment later (queued, starting or running, whatever it is by then), with
   * retries until answered — cancel is repeatable, so no key is needed.
   */
  private async cancelSoon(runId: string, random: Random, halt: AbortSignal): Promise<void> {
    try {
      await pause(random.int(0, 300), halt);
      const { answer } = await untilAnswered(() => this.client.cancelRun(runId), `cancel ${runId}`, random, this.stats, halt);
      this.stats.cancels.push({ runId, state: answer.run.state });
    } catch (err) {
      this.stats.errors.push(err instanceof Error ? err.message : String(err));
    }
  }

  /** Long-polls `GET /runs/{id}/wait` (event-driven in agentd) across restarts until the run ends or `stop` aborts. */
  private async waitForEnd(runId: string, stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      try {
        const { run } = await this.client.waitRun(runId, 2);
        if (TERMINAL_STATES.includes(run.state)) return;
      } catch (err) {
        if (!retryable(err)) throw err;
        await pause(this.random.int(10, 100), stop);
      }
    }
  }
}
