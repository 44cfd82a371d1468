/**
 * What agentd and a supervisor say to each other: the spec agentd hands a new supervisor on its
 * stdin, and the messages on the supervisor's Unix socket (one JSON object per line each way).
 * Output itself never crosses the socket: it is in the spool, which agentd reads directly, so the
 * socket carries only "the spool grew", answers and stops.
 */
import type { Socket } from 'node:net';
import type { Config } from '../config.js';
import type { ApprovalAsk, ApprovalDecision } from '../providers/conversation.js';
import type { TurnContext } from '../providers/provider.js';
import type { StopRequest } from './records.js';

/** Bumped when a message or record changes shape; agentd attaches only to supervisors that speak its version. */
export const SUPERVISOR_PROTOCOL = 1;

/** Everything a supervisor needs to run one turn; sent on its stdin (it holds the run's token). */
export interface SupervisorSpec {
  protocol: number;
  runId: string;
  attempt: number;
  spoolDir: string;
  socketPath: string;
  segmentBytes: number;
  /** SIGTERM → SIGKILL grace when the turn is stopped, and after an interrupt request. */
  cancelGraceMs: number;
  /** The provider settings of the daemon that started it; the supervisor builds the turn from them. */
  providers: Pick<Config, 'codex' | 'claude' | 'command'>;
  provider: string;
  ctx: TurnContext;
}

/** agentd → supervisor. */
export type ToSupervisor =
  /** Start (the first time) and say hello; the agent is started only once someone attached. */
  | { t: 'attach' }
  /** The answer to an ask, by its key; answers to keys nobody waits on are dropped. */
  | { t: 'decide'; key: string; decision: ApprovalDecision }
  /** Stop the turn: recorded, then the driver's interrupt, then SIGTERM/SIGKILL of the agent's group. */
  | { t: 'halt'; stop: StopRequest }
  /** Everything before `offset` is committed: its segments may go. */
  | { t: 'ack'; offset: number };

/** supervisor → agentd. */
export type FromSupervisor =
  | {
    t: 'hello';
    protocol: number;
    supervisorPid: number;
    /** The agent's pid (also its process group), null if it could not be spawned. */
    pid: number | null;
    procStart: string | null;
    /** The spool's end when this hello was sent. */
    end: number;
    /** ms timestamp of the agent's last output (stdout or stderr), or of its start. */
    lastOutputAt: number;
    /** Asks the agent still waits on, in the order it asked. */
    pending: ApprovalAsk[];
  }
  /** The agent printed something; the spool now ends at `end`. */
  | { t: 'out'; end: number; at: number };

/** Writes one message as a line. */
export function sendMessage(socket: Socket, message: ToSupervisor | FromSupervisor): void {
  if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(message)}\n`);
}

/** Calls `onMessage` for every complete JSON line read from `socket`; a line that is not JSON ends the connection. */
export function readMessages<T>(socket: Socket, onMessage: (message: T) => void): void {
  let partial = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') continue;
      let message: T;
      try {
        message = JSON.parse(line) as T;
      } catch {
        socket.destroy();
        return;
      }
      onMessage(message);
    }
  });
}
