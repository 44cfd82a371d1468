/**
 * A turn as a conversation with the agent's process (replaces the one-way argv + stdin + parser).
 * The runtime owns the process, its timeouts, cancel and the event log; a driver owns the
 * protocol: what to write when the process starts, what each stdout line means, how to answer an
 * approval and how to ask the agent to stop. The same shape serves codex (app-server JSON-RPC),
 * claude (stream-json with control requests) and the command provider.
 *
 * Invariants a driver keeps:
 * - It is deterministic in its input lines: fed the same lines again (a re-attach after a daemon
 *   restart replays a spool from the start), it yields the same events and asks the same
 *   approvals with the same keys.
 * - It never writes to the process before `start`, and never after `finish`.
 */
import type { ExitInfo, LineResult, TurnOutcome } from './provider.js';
import type { ApprovalDecisionKind } from '../domain/approval-policy.js';

/** What a person (or policy, or a rule) can answer. */
export type { ApprovalDecisionKind };

/** What the agent asks to do, normalised over vendors. */
export interface ApprovalAsk {
  /**
   * The provider's own id for this prompt (a JSON-RPC request id, a control request_id, a line id).
   * Asking again with the same key within the same run returns the same approval, not a new one.
   */
  key: string;
  action: 'command' | 'file_change' | 'tool';
  /** The command line, for `command` (and for a shell tool). */
  command?: string | null;
  cwd?: string | null;
  /** Vendor tool name, for `tool` (claude: Bash, Edit, Write, …). */
  tool?: string | null;
  /** The tool's input as the vendor gave it (claude needs it back to allow). */
  input?: unknown;
  /** For `file_change`: each file with a unified diff when known. */
  changes?: { path: string; kind: string; diff: string | null }[];
  /** Why the agent asks, when it says. */
  reason?: string | null;
  /** The decisions this prompt can take; `deny` is always possible. */
  decisions: ApprovalDecisionKind[];
}

/** How an approval ended, as the driver must tell the agent. */
export interface ApprovalDecision {
  decision: ApprovalDecisionKind | 'cancel';
  /** For a deny: the reason given to the agent (a person's message, "expired after 30 min", …). */
  message: string | null;
}

/** What the runtime gives a driver for one turn. */
export interface TurnIO {
  /** Writes one line (a newline is appended) to the agent's stdin. */
  send(line: string): void;
  /**
   * Writes text to the agent's stdin exactly as given, no newline appended: for CLIs that read a
   * whole prompt until EOF, which must get the prompt byte for byte.
   */
  write(text: string): void;
  /** Closes the agent's stdin. */
  endInput(): void;
  /**
   * Records the ask as an approval request (or answers it at once by policy, a session grant or an
   * allow rule) and resolves with the decision once there is one. Never rejects: an expired or
   * cancelled approval resolves as `deny` or `cancel` with a message.
   */
  askApproval(ask: ApprovalAsk): Promise<ApprovalDecision>;
}

/** One turn's protocol, one per process. */
export interface TurnDriver {
  /** The process was spawned: write what starts the turn (handshake, prompt). */
  start(io: TurnIO): void;
  /** One complete stdout line, in order. */
  onLine(line: string): LineResult;
  /**
   * Ask the agent to end its turn by itself (codex `turn/interrupt`, claude's interrupt control
   * request). Returns false when the protocol has no such request; the runtime then signals the
   * process group. Either way the runtime kills the group after its grace period.
   */
  interrupt(): boolean;
  /** The process exited and every line was delivered. */
  finish(exit: ExitInfo): TurnOutcome;
}
