/**
 * agentd's side of a supervisor: start one for a run, attach to one that a previous daemon
 * started, and read the run's records from its spool. The spool is the truth: the socket only
 * says that it grew, so a supervisor that exits (its run over) or dies leaves everything it
 * recorded readable, and agentd reads to the end before deciding what happened.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import type { ApprovalAsk, ApprovalDecision } from '../providers/conversation.js';
import { SUPERVISOR_MAIN } from '../paths.js';
import type { StopRequest, TurnRecord } from '../supervisor/records.js';
import { SpoolReader } from '../supervisor/spool.js';
import { readMessages, sendMessage, SUPERVISOR_PROTOCOL, type FromSupervisor, type SupervisorSpec } from '../supervisor/wire.js';
import type { SourcedRecord, TurnRead, TurnSource } from './turn-source.js';

/** How long a supervisor may take to answer an attach before it counts as gone. */
const HELLO_TIMEOUT_MS = 10_000;
/** The most spool bytes turned into one batch of writes. */
const READ_BYTES = 1024 * 1024;

type Hello = Extract<FromSupervisor, { t: 'hello' }>;

export class SupervisedSource implements TurnSource {
  onActivity: () => void = () => {};
  lastOutputAt: number;
  readonly pid: number | null;
  readonly procStart: string | null;
  readonly supervisorPid: number | null;
  readonly pendingAtAttach: ApprovalAsk[];
  /** The spool's end when agentd attached: what it had to catch up on. */
  readonly endAtAttach: number;
  private readonly reader: SpoolReader;
  private socket: Socket | null;
  private detached = false;
  private wake: (() => void) | null = null;
  private lastAck = -1;

  constructor(dir: string, offset: number, socket: Socket | null, hello: Hello | null) {
    this.reader = new SpoolReader(dir, offset);
    this.socket = socket;
    this.pid = hello?.pid ?? null;
    this.procStart = hello?.procStart ?? null;
    this.supervisorPid = hello?.supervisorPid ?? null;
    this.pendingAtAttach = hello?.pending ?? [];
    this.lastOutputAt = hello?.lastOutputAt ?? Date.now();
    this.endAtAttach = hello?.end ?? offset;
    if (socket) {
      readMessages<FromSupervisor>(socket, (message) => {
        if (message.t !== 'out') return;
        this.lastOutputAt = message.at;
        this.onActivity();
        this.wake?.();
      });
      socket.on('close', () => {
        this.socket = null;
        this.wake?.();
      });
    }
  }

  /** Whether a supervisor answered (false: reading what a gone one left). */
  get connected(): boolean {
    return this.socket !== null;
  }

  async next(): Promise<TurnRead> {
    for (;;) {
      if (this.detached) return { kind: 'detached' };
      // Read before looking at the socket: a supervisor that exited wrote its last record first.
      const lines = this.reader.read(READ_BYTES);
      if (lines.length > 0) {
        const records: SourcedRecord[] = [];
        for (const line of lines) {
          let record: TurnRecord;
          try {
            record = JSON.parse(line.text) as TurnRecord;
          } catch {
            // A torn line can only be the last one of a supervisor that died mid-write; nothing follows it.
            continue;
          }
          records.push({ record, end: line.end });
        }
        return { kind: 'records', records };
      }
      if (!this.socket) {
        this.reader.close();
        return { kind: 'lost', reason: 'its supervisor is gone and its spool ends without the exit of its agent' };
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }

  decide(key: string, decision: ApprovalDecision): void {
    if (this.socket) sendMessage(this.socket, { t: 'decide', key, decision });
  }

  halt(stop: StopRequest): void {
    if (this.socket) sendMessage(this.socket, { t: 'halt', stop });
  }

  committed(offset: number): void {
    if (!this.socket || offset <= this.lastAck) return;
    this.lastAck = offset;
    sendMessage(this.socket, { t: 'ack', offset });
  }

  detach(): boolean {
    this.detached = true;
    // end(), not destroy(): a stop or an answer just written still reaches the supervisor.
    this.socket?.end();
    this.reader.close();
    this.wake?.();
    return true;
  }
}

/**
 * Connects to a run's supervisor and attaches; null when none listens there (it exited, died, or
 * never started). `offset` is where agentd continues in the spool.
 */
export function attachSupervisor(socketPath: string, dir: string, offset: number): Promise<SupervisedSource | null> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`the supervisor at ${socketPath} did not answer within ${HELLO_TIMEOUT_MS} ms`)), HELLO_TIMEOUT_MS);
    const fail = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(null);
    };
    socket.once('error', (err: NodeJS.ErrnoException) => {
      // Nobody listens: the socket file is missing or stale.
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') fail(null);
      else fail(err);
    });
    socket.once('close', () => fail(null));
    socket.once('connect', () => sendMessage(socket, { t: 'attach' }));
    let partial = '';
    const onData = (chunk: Buffer) => {
      partial += chunk.toString('utf8');
      const nl = partial.indexOf('\n');
      if (nl < 0) return;
      socket.off('data', onData);
      const hello = JSON.parse(partial.slice(0, nl)) as FromSupervisor;
      if (hello.t !== 'hello' || hello.protocol !== SUPERVISOR_PROTOCOL) {
        return fail(new Error(`the supervisor at ${socketPath} speaks protocol ${(hello as Hello).protocol}, this agentd ${SUPERVISOR_PROTOCOL}`));
      }
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      socket.on('error', () => socket.destroy());
      const source = new SupervisedSource(dir, offset, socket, hello);
      // Messages that came with the hello.
      const rest = partial.slice(nl + 1);
      if (rest) socket.emit('data', rest);
      resolve(source);
    };
    socket.on('data', onData);
  });
}

/** Reads what a supervisor that is gone left in its spool, from `offset` on. */
export function readLeftSpool(dir: string, offset: number): SupervisedSource {
  return new SupervisedSource(dir, offset, null, null);
}

/**
 * Starts a supervisor for one run attempt, detached in its own session, and attaches to it (which
 * starts the agent). Its stdin carries the spec and stays open until agentd attached: a
 * supervisor whose agentd dies before that exits without starting anything.
 */
export async function launchSupervisor(spec: SupervisorSpec): Promise<SupervisedSource> {
  mkdirSync(spec.spoolDir, { recursive: true, mode: 0o700 });
  const logPath = join(spec.spoolDir, 'supervisor.log');
  const logFd = openSync(logPath, 'a', 0o600);
  let child;
  try {
    // Its own session and group: a signal to agentd's group, or agentd's death, does not reach it.
    // No environment of its own: what the agent needs is in the spec.
    child = spawn(process.execPath, [SUPERVISOR_MAIN, spec.spoolDir], { detached: true, stdio: ['pipe', 'pipe', logFd], env: {} });
  } finally {
    closeSync(logFd);
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stdin!.on('error', () => {});
  child.stdin!.write(`${JSON.stringify(spec)}\n`);
  try {
    const ready = await new Promise<boolean>((resolve) => {
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('\n')) resolve(true);
      });
      void exited.then(() => resolve(false));
    });
    if (!ready) throw new Error(`the supervisor exited before it was ready: ${tail(logPath)}`);
    const source = await attachSupervisor(spec.socketPath, spec.spoolDir, 0);
    if (!source) throw new Error(`the supervisor does not answer on ${spec.socketPath}: ${tail(logPath)}`);
    return source;
  } catch (err) {
    if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
    throw err;
  } finally {
    child.stdin!.end();
    child.stdout!.destroy();
    child.unref();
  }
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-3).join(' / ') || 'no log';
  } catch {
    return 'no log';
  }
}
