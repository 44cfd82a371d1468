/**
 * Runs one TurnDriver against a real process, without a daemon: spawns the process in its own
 * group with stdin open, feeds the driver every stdout line, hands its approvals to the test, and
 * collects what it yields. The test answers approvals as it likes (`answer`), interrupts, and must
 * call `kill()` in a finally/afterEach so no process outlives a failed test.
 */
import { spawn } from 'node:child_process';
import type { ApprovalAsk, ApprovalDecision, TurnDriver, TurnIO } from '../../src/providers/conversation.js';
import type { ExitInfo, ProcessSpec, TurnOutcome } from '../../src/providers/provider.js';
import type { NewEvent } from '../../src/store/store.js';

export interface PendingAsk {
  ask: ApprovalAsk;
  answer(decision: ApprovalDecision): void;
}

export interface TurnRun {
  readonly pid: number;
  /** Every event the driver yielded, in order. */
  readonly events: NewEvent[];
  /** Every thread id the driver reported. */
  readonly threadIds: string[];
  /** Every approval asked, in order (answered or not). */
  readonly asks: ApprovalAsk[];
  /** Resolves with the n-th (0-based) approval once the driver asks it; rejects if the turn ends first. */
  nextAsk(n: number): Promise<PendingAsk>;
  interrupt(): boolean;
  /** Resolves when the process exited and the driver finished. */
  readonly done: Promise<{ outcome: TurnOutcome; exit: ExitInfo }>;
  /** SIGKILLs the process group; harmless when it is gone. */
  kill(): void;
}

export function startTurn(spec: ProcessSpec, driver: TurnDriver): TurnRun {
  const [file, ...args] = spec.argv;
  const child = spawn(file!, args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const events: NewEvent[] = [];
  const threadIds: string[] = [];
  const asks: ApprovalAsk[] = [];
  const pending: PendingAsk[] = [];
  const waiters = new Map<number, { resolve: (p: PendingAsk) => void; reject: (err: Error) => void }>();
  let ended = false;
  let stdinOpen = true;
  let stderrTail = '';

  const io: TurnIO = {
    send(line) {
      if (stdinOpen) child.stdin.write(`${line}\n`);
    },
    write(text) {
      if (stdinOpen) child.stdin.write(text);
    },
    endInput() {
      stdinOpen = false;
      child.stdin.end();
    },
    askApproval(ask) {
      return new Promise<ApprovalDecision>((resolve) => {
        const n = asks.length;
        asks.push(ask);
        const p: PendingAsk = { ask, answer: resolve };
        pending[n] = p;
        waiters.get(n)?.resolve(p);
        waiters.delete(n);
      });
    },
  };
  child.stdin.on('error', () => {
    // EPIPE once the process is gone; its exit tells the story.
  });

  let partial = '';
  const onLine = (line: string) => {
    if (line.trim() === '') return;
    const result = driver.onLine(line);
    if (result.events) events.push(...result.events);
    if (result.threadId) threadIds.push(result.threadId);
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderrTail = (stderrTail + chunk).slice(-4096)));

  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const done = new Promise<{ outcome: TurnOutcome; exit: ExitInfo }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (partial) onLine(partial);
      ended = true;
      for (const [n, w] of waiters) w.reject(new Error(`the turn ended before approval #${n} was asked (${asks.length} asked)`));
      waiters.clear();
      // The npm codex is a node wrapper around a native binary: reap whatever is left in the group.
      kill();
      const exit: ExitInfo = { code, signal, stderrTail };
      resolve({ outcome: driver.finish(exit), exit });
    });
  });
  driver.start(io);

  return {
    pid: child.pid!,
    events,
    threadIds,
    asks,
    nextAsk(n) {
      const p = pending[n];
      if (p) return Promise.resolve(p);
      if (ended) return Promise.reject(new Error(`the turn ended before approval #${n} was asked (${asks.length} asked)`));
      return new Promise((resolve, reject) => waiters.set(n, { resolve, reject }));
    },
    interrupt: () => driver.interrupt(),
    done,
    kill,
  };
}
