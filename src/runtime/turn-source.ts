/**
 * Where a running turn's records come from, and how agentd talks back to its agent: a supervisor
 * over its socket and spool (supervised.ts), or a TurnHost inside agentd (this file) when agents
 * run without supervisors. The run's consumer (follow-turn.ts) reads both the same way.
 */
import type { Logger } from 'pino';
import type { ApprovalAsk, ApprovalDecision } from '../providers/conversation.js';
import type { Provider, TurnContext } from '../providers/provider.js';
import type { StopRequest, TurnRecord } from '../supervisor/records.js';
import { TurnHost } from '../supervisor/turn-host.js';

export interface SourcedRecord {
  record: TurnRecord;
  /** The spool offset after this record; null without a spool. */
  end: number | null;
}

export type TurnRead =
  | { kind: 'records'; records: SourcedRecord[] }
  /** The turn's records end without an exit: its supervisor is gone. */
  | { kind: 'lost'; reason: string }
  /** agentd stopped following; the agent goes on. */
  | { kind: 'detached' };

export interface TurnSource {
  /** The agent's pid (its process group), null if it never started. */
  readonly pid: number | null;
  readonly procStart: string | null;
  /** The supervisor's pid; null when the agent is agentd's own child. */
  readonly supervisorPid: number | null;
  /** ms timestamp of the agent's last output. */
  readonly lastOutputAt: number;
  /** Told whenever the agent printed anything. */
  onActivity: () => void;
  /** Asks the agent was waiting on when agentd attached (a re-attach): asked again, they find their approvals. */
  readonly pendingAtAttach: ApprovalAsk[];
  /** The next records, in order; waits for them. */
  next(): Promise<TurnRead>;
  decide(key: string, decision: ApprovalDecision): void;
  halt(stop: StopRequest): void;
  /** Everything before `offset` is committed. */
  committed(offset: number): void;
  /** Stops following and leaves the agent running; false when it cannot outlive agentd (no supervisor). */
  detach(): boolean;
}

/** A turn hosted inside agentd: the agent is agentd's child and ends with it. */
export class InProcessSource implements TurnSource {
  readonly supervisorPid = null;
  readonly pendingAtAttach: ApprovalAsk[] = [];
  onActivity: () => void = () => {};
  private readonly host: TurnHost;
  private queue: SourcedRecord[] = [];
  private wake: (() => void) | null = null;

  /** `log` is the run's own logger (it names the run). */
  constructor(provider: Provider, ctx: TurnContext, cancelGraceMs: number, log: Logger) {
    this.host = new TurnHost(provider, ctx, {
      record: (record) => {
        this.queue.push({ record, end: null });
        this.wake?.();
      },
      activity: () => this.onActivity(),
      warn: (message, err) => log.warn({ err }, message),
    }, cancelGraceMs);
    this.host.start();
  }

  get pid() { return this.host.pid; }
  get procStart() { return this.host.procStart; }
  get lastOutputAt() { return this.host.lastOutputAt; }

  async next(): Promise<TurnRead> {
    // Records that arrive within one turn of the event loop are handed over (and written) together.
    while (this.queue.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = null;
    await new Promise((resolve) => setImmediate(resolve));
    const records = this.queue;
    this.queue = [];
    return { kind: 'records', records };
  }

  decide(key: string, decision: ApprovalDecision): void {
    this.host.decide(key, decision);
  }

  halt(stop: StopRequest): void {
    this.host.halt(stop);
  }

  committed(): void {}

  detach(): boolean {
    return false;
  }
}
