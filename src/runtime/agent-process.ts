import { spawn } from 'node:child_process';
import type { ExitInfo, ProcessSpec } from '../providers/provider.js';
import { signalGroup, signalTree } from './process-tree.js';

const STDERR_TAIL_BYTES = 4096;

export interface AgentProcess {
  readonly pid: number | undefined;
  /** Resolves once the process exited and its output pipes closed; every line was delivered. */
  readonly exited: Promise<ExitInfo>;
  /** ms timestamp of the last stdout/stderr output (or of the start). */
  lastOutputAt: number;
  /** SIGTERM the whole tree, then SIGKILL after `graceMs` unless it is gone by then. */
  terminate(graceMs: number): void;
  /** Writes to the agent's stdin; dropped once stdin is closed or the process has exited. */
  write(text: string): void;
  /** Closes the agent's stdin (EOF); idempotent. */
  endInput(): void;
}

/**
 * Starts an agent in its own process group (detached → setsid) with an argv array — never a
 * shell — and feeds complete stdout lines to `onLine` in order. Its stdin stays open until
 * `endInput()` (or its exit): the turn's driver decides what to write and when.
 */
export function startAgentProcess(spec: ProcessSpec, onLine: (line: string) => void, onOutput?: () => void): AgentProcess {
  const [file, ...args] = spec.argv;
  if (!file) throw new Error('provider built an empty argv');
  const child = spawn(file, args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = child.pid;
  const known = new Set<number>();
  let stderrTail = '';
  let spawnError: string | undefined;
  let partial = '';
  let killTimer: NodeJS.Timeout | undefined;
  let inputOpen = true;

  const proc: AgentProcess = {
    pid,
    lastOutputAt: Date.now(),
    exited: undefined as unknown as Promise<ExitInfo>,
    terminate(graceMs: number) {
      if (pid === undefined) return;
      signalTree(pid, pid, 'SIGTERM', known);
      if (!killTimer) {
        killTimer = setTimeout(() => signalTree(pid, pid, 'SIGKILL', known), graceMs);
        killTimer.unref();
      }
    },
    write(text: string) {
      // Nothing is written after the process is gone or its stdin closed: a late answer is moot.
      if (!inputOpen || pid === undefined) return;
      child.stdin.write(text);
    },
    endInput() {
      if (!inputOpen) return;
      inputOpen = false;
      child.stdin.end();
    },
  };

  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    proc.lastOutputAt = Date.now();
    onOutput?.();
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    proc.lastOutputAt = Date.now();
    onOutput?.();
    stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
  });
  child.stdin.on('error', () => {
    // EPIPE when the agent exits without reading its stdin; its exit status tells the story.
  });

  (proc as { exited: Promise<ExitInfo> }).exited = new Promise<ExitInfo>((resolve) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      // Spawn failures (ENOENT, EACCES) arrive here and 'close' still follows.
      spawnError = `cannot start ${file}: ${err.code === 'ENOENT' ? 'no such executable' : err.message}`;
    });
    child.on('exit', () => {
      // Its stdin has no reader any more; release the pipe (a driver may never have closed it).
      inputOpen = false;
      child.stdin.destroy();
      // The leader is gone: whatever it left in its group is an orphan of this run. Kill it so
      // every process is reaped and pipes held open by leftovers close. No /proc scan here: the
      // leader is reaped, so its children are re-parented and only the group (and descendants
      // a stop already found) can still be reached — and a scan per exit cost 2 ms of blocked loop.
      if (pid !== undefined) signalGroup(pid, 'SIGKILL', known);
    });
    child.on('close', (code, sig) => {
      if (killTimer) clearTimeout(killTimer);
      if (partial !== '') onLine(partial);
      partial = '';
      // Node reports a negative errno as the exit code of a process that never started; there was none.
      resolve({ code: spawnError ? null : code, signal: sig, stderrTail, ...(spawnError ? { spawnError } : {}) });
    });
  });
  return proc;
}
