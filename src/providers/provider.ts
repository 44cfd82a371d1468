import type { Run, Session } from '../protocol/schemas.js';
import type { NewEvent } from '../protocol/events.js';
import type { ResolvedApprovals } from '../domain/approval-policy.js';
import type { TurnDriver } from './conversation.js';

/** Everything a provider needs to build one turn's process. */
export interface TurnContext {
  run: Run;
  session: Session;
  /** The provider's conversation id from an earlier turn; set means "resume it". */
  threadId: string | null;
  /** Base environment for the agent: the user's own plus the AGENTD_* variables. */
  env: NodeJS.ProcessEnv;
  /**
   * The approval policy and allow rules in force for this turn, so a driver starts its CLI in the
   * matching mode. agentd's gate applies them again to every ask (see TurnIO.askApproval).
   */
  approvals: ResolvedApprovals;
}

export interface ProcessSpec {
  /** argv[0] is the executable; spawned without a shell. */
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface LineResult {
  /** Appended to the session's event log, in order (e.g. `run.item`). */
  events?: NewEvent[];
  /** The provider's conversation id, stored on the session for later turns. */
  threadId?: string;
}

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** The last few KiB of stderr, for the failure reason. */
  stderrTail: string;
  /** Set when the process could not be started at all (ENOENT, EACCES…). */
  spawnError?: string;
}

export interface TurnOutcome {
  status: 'completed' | 'failed';
  finalText: string | null;
  /** The CLI's own usage figures, verbatim; providers/usage.ts reads them. */
  usage: Record<string, unknown> | null;
  costUsd: number | null;
  /** The model that answered, when the CLI says (prices estimated costs). */
  model?: string | null;
  error: string | null;
}

/**
 * Reads one turn's stdout line by line; one parser per process. What a one-way CLI needs; see
 * `oneShotDriver` for turning one into a TurnDriver.
 */
export interface TurnParser {
  onLine(line: string): LineResult;
  finish(exit: ExitInfo): TurnOutcome;
}

export interface Provider {
  readonly name: string;
  /** Whether a later turn continues the same conversation (so an interrupted run may be re-queued). */
  readonly canResume: boolean;
  /** The process of one turn: argv, environment, working directory. */
  buildTurn(ctx: TurnContext): ProcessSpec;
  /** The protocol of the same turn, one driver per process (see conversation.ts). */
  createDriver(ctx: TurnContext): TurnDriver;
  /** Facts diagnose reports about how this provider is invoked. */
  invocation?(): Record<string, unknown>;
}

export function describeExit(exit: ExitInfo): string {
  if (exit.spawnError) return exit.spawnError;
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const tail = exit.stderrTail.trim();
  return tail ? `process ${how}: ${tail}` : `process ${how}`;
}
