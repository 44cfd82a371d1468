/**
 * Stops every supervised run of a database without agentd: each supervisor found under the spool
 * root is told to stop its turn, and records the stop and its agent's exit in the spool — so if an
 * agentd ever starts on that database again, it finds those runs ended, with the reason. This is
 * `agentctl runs cancel --all` when the daemon does not answer.
 */
import { readdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { parseRunSpoolName, runSpoolDir, supervisorSocketPath } from './spool.js';
import type { StopRequest } from './records.js';

export interface StoppedRun {
  runId: string;
  attempt: number;
  /**
   * `stopped`: its supervisor answered, and its agent exited; `gone`: no supervisor
   * listens (it had exited or died; the next agentd start reads what it spooled); `timeout`: it
   * answered but did not exit in time.
   */
  outcome: 'stopped' | 'gone' | 'timeout';
}

/**
 * Tells one supervisor to stop its turn; resolves when it closes the connection, which it does
 * once its agent has exited and the exit is recorded (the supervisor itself exits right after).
 */
function stopOne(socketPath: string, stop: StopRequest, timeoutMs: number): Promise<StoppedRun['outcome']> {
  return new Promise((resolve) => {
    const socket = createConnection(socketPath);
    let answered = false;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    socket.on('connect', () => {
      answered = true;
      // No attach: a supervisor that never started its agent must not start it now.
      socket.write(`${JSON.stringify({ t: 'halt', stop })}\n`);
    });
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(!answered ? 'gone' : timedOut ? 'timeout' : 'stopped');
    });
  });
}

export async function stopSupervisedRuns(root: string, reason: string, timeoutMs = 30_000): Promise<StoppedRun[]> {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const stop: StopRequest = { kind: 'cancel', reason };
  return Promise.all(names.flatMap((name) => {
    const parsed = parseRunSpoolName(name);
    if (!parsed) return [];
    const socket = supervisorSocketPath(runSpoolDir(root, parsed.runId, parsed.attempt));
    return [stopOne(socket, stop, timeoutMs).then((outcome) => ({ ...parsed, outcome }))];
  }));
}
