/**
 * Runs one provider turn as a conversation without a daemon: spawns the process spec (own process
 * group, stdin kept open), feeds stdout lines to the TurnDriver, and gives the test the driver's
 * approval asks to answer by hand. For driver-level tests with the real CLIs.
 *
 *   const turn = startDriverTurn(spec, driver);
 *   const pending = await turn.nextAsk();
 *   pending.answer({ decision: 'approve', message: null });
 *   const { outcome } = await turn.done;
 *
 * Call `stopAllDriverTurns()` in afterEach: it kills the group of every turn still running.
 */
import { spawn } from 'node:child_process';
import type { ApprovalAsk, ApprovalDecision, TurnDriver } from '../../src/providers/conversation.js';
import type { ExitInfo, LineResult, ProcessSpec, TurnOutcome } from '../../src/providers/provider.js';

export interface PendingAsk {
  ask: ApprovalAsk;
  answer(decision: ApprovalDecision): void;
}

export interface DriverTurn {
  pid: number;
  /** Everything the driver wrote to stdin (lines without their newline), in order. */
  sent: string[];
  /** Whether the driver closed stdin. */
  inputEnded: boolean;
  /** What the driver's onLine returned, merged: events in order, thread ids in order. */
  events: NonNullable<LineResult['events']>;
  threadIds: string[];
  /** Every ask so far, answered or not. */
  asks: ApprovalAsk[];
  /** The next ask not yet taken by a nextAsk() call (already arrived or still to come). */
  nextAsk(): Promise<PendingAsk>;
  /** Settles once the process exited and every line was delivered, with the driver's verdict. */
  done: Promise<{ exit: ExitInfo; outcome: TurnOutcome }>;
}

/** Turns whose process has not closed yet, by pid, with their end. */
const running = new Map<number, Promise<unknown>>();

export function startDriverTurn(spec: ProcessSpec, driver: TurnDriver): DriverTurn {
  const [file, ...args] = spec.argv;
  const child = spawn(file!, args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = child.pid!;
  const arrived: PendingAsk[] = [];
  const takers: ((pending: PendingAsk) => void)[] = [];
  let stderrTail = '';

  const turn: DriverTurn = {
    pid,
    sent: [],
    inputEnded: false,
    events: [],
    threadIds: [],
    asks: [],
    nextAsk: () => {
      const ready = arrived.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => takers.push(resolve));
    },
    done: undefined as unknown as DriverTurn['done'],
  };

  child.stdin.on('error', () => {
    // EPIPE after the CLI exited; its exit status tells the story.
  });
  driver.start({
    send(line) {
      turn.sent.push(line);
      child.stdin.write(`${line}\n`);
    },
    write(text) {
      turn.sent.push(text);
      child.stdin.write(text);
    },
    endInput() {
      turn.inputEnded = true;
      child.stdin.end();
    },
    askApproval(ask) {
      turn.asks.push(ask);
      return new Promise<ApprovalDecision>((resolve) => {
        const pending = { ask, answer: resolve };
        const taker = takers.shift();
        if (taker) taker(pending);
        else arrived.push(pending);
      });
    },
  });

  let partial = '';
  const deliver = (line: string) => {
    if (line.trim() === '') return;
    const result = driver.onLine(line);
    if (result.events) turn.events.push(...result.events);
    if (result.threadId) turn.threadIds.push(result.threadId);
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    lines.forEach(deliver);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderrTail = (stderrTail + chunk).slice(-4096)));

  turn.done = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      running.delete(pid);
      deliver(partial);
      const exit: ExitInfo = { code, signal, stderrTail };
      resolve({ exit, outcome: driver.finish(exit) });
    });
  });
  running.set(pid, turn.done.catch(() => undefined));
  return turn;
}

/** Kills the process group of every turn that has not ended and waits for it (a failed test leaves none behind). */
export async function stopAllDriverTurns(): Promise<void> {
  const ends = [...running.entries()];
  for (const [pid] of ends) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await Promise.all(ends.map(([, end]) => end));
}
