/**
 * Holds one turn's conversation with its agent process: spawns it, feeds each stdout line to the
 * provider's driver and records what the line meant, records the approvals the driver asks for
 * and hands their answers back, stops the turn when told, and records the exit with the driver's
 * verdict. Everything it learns goes out as records, in order, to a sink: the spool (inside a
 * supervisor) or agentd's memory (agents run without a supervisor).
 */
import { startAgentProcess, type AgentProcess } from '../runtime/agent-process.js';
import { processStartTime } from '../runtime/process-tree.js';
import type { ApprovalAsk, ApprovalDecision, TurnDriver, TurnIO } from '../providers/conversation.js';
import type { Provider, TurnContext, TurnOutcome } from '../providers/provider.js';
import type { StopRequest, TurnRecord } from './records.js';

export interface TurnSink {
  record(record: TurnRecord): void;
  /** The agent printed something (stdout or stderr), whether or not it became a record. */
  activity(): void;
  warn(message: string, err?: unknown): void;
}

export class TurnHost {
  private proc: AgentProcess | null = null;
  private driver: TurnDriver | null = null;
  private driverStarted = false;
  private stopping: StopRequest | null = null;
  private ended = false;
  private graceTimer: NodeJS.Timeout | undefined;
  /** Asks waiting for an answer, by key; the same key asked twice waits twice for one answer. */
  private readonly pending = new Map<string, { ask: ApprovalAsk; resolve: ((d: ApprovalDecision) => void)[] }>();
  pid: number | null = null;
  procStart: string | null = null;
  lastOutputAt = Date.now();
  /** Settles once the exit record is out. */
  exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly provider: Provider,
    private readonly ctx: TurnContext,
    private readonly sink: TurnSink,
    private readonly cancelGraceMs: number,
  ) {}

  /** Spawns the agent and starts the driver; the exit arrives as the last record. */
  start(): void {
    const spec = this.provider.buildTurn(this.ctx);
    const driver = (this.driver = this.provider.createDriver(this.ctx));
    const proc = (this.proc = startAgentProcess(spec, (line) => this.onLine(line), () => {
      this.lastOutputAt = Date.now();
      this.sink.activity();
    }));
    this.pid = proc.pid ?? null;
    if (this.pid !== null) {
      this.procStart = processStartTime(this.pid);
      try {
        driver.start(this.io());
        this.driverStarted = true;
      } catch (err) {
        this.sink.warn('provider driver failed to start the turn', err);
        this.halt({ kind: 'failure', reason: `the ${this.provider.name} driver failed to start the turn` });
      }
    }
    this.exited = proc.exited.then((exit) => {
      this.ended = true;
      clearTimeout(this.graceTimer);
      this.pending.clear();
      let outcome: TurnOutcome;
      try {
        outcome = driver.finish(exit);
      } catch (err) {
        this.sink.warn('provider driver failed to finish the turn', err);
        outcome = { status: 'failed', finalText: null, usage: null, costUsd: null, error: `the ${this.provider.name} driver failed: ${(err as Error).message}` };
      }
      this.sink.record({ t: 'exit', exit, outcome });
    });
  }

  /** Asks the agent still waits on, in the order asked. */
  pendingAsks(): ApprovalAsk[] {
    return [...this.pending.values()].map((p) => p.ask);
  }

  /** Hands an answer to whoever waits on `key`; an answer nobody waits for is dropped. */
  decide(key: string, decision: ApprovalDecision): void {
    const waiting = this.pending.get(key);
    if (!waiting) return;
    this.pending.delete(key);
    for (const resolve of waiting.resolve) resolve(decision);
  }

  /**
   * Stops the turn (the first stop wins): recorded first, so its reason survives whatever
   * happens next; then, after the answers already handed over reached the driver, the driver's
   * own interrupt with `cancelGraceMs` to end by itself, else SIGTERM then SIGKILL of the group.
   */
  halt(stop: StopRequest): void {
    if (this.stopping || this.ended) return;
    this.stopping = stop;
    this.sink.record({ t: 'stop', stop });
    setImmediate(() => {
      if (this.ended || !this.proc) return;
      let interrupting = false;
      try {
        interrupting = this.driverStarted && this.driver!.interrupt();
      } catch (err) {
        this.sink.warn('driver failed to interrupt its turn', err);
      }
      const proc = this.proc;
      if (!interrupting) return proc.terminate(this.cancelGraceMs);
      this.graceTimer = setTimeout(() => proc.terminate(this.cancelGraceMs), this.cancelGraceMs);
      this.graceTimer.unref();
    });
  }

  private onLine(line: string): void {
    if (line.trim() === '') return;
    let result;
    try {
      result = this.driver!.onLine(line);
    } catch (err) {
      this.sink.warn('provider output line could not be parsed', err);
      return;
    }
    const events = result.events?.length ? result.events : undefined;
    if (events || result.threadId) this.sink.record({ t: 'out', ...(events ? { events } : {}), ...(result.threadId ? { thread: result.threadId } : {}) });
  }

  private io(): TurnIO {
    const proc = this.proc!;
    return {
      send: (line) => proc.write(`${line}\n`),
      write: (text) => proc.write(text),
      endInput: () => proc.endInput(),
      askApproval: (ask) => new Promise<ApprovalDecision>((resolve) => {
        const waiting = this.pending.get(ask.key);
        if (waiting) waiting.resolve.push(resolve);
        else this.pending.set(ask.key, { ask, resolve: [resolve] });
        this.sink.record({ t: 'ask', ask });
      }),
    };
  }
}
