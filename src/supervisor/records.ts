/**
 * What one turn of an agent says, as a stream of records: what each output line meant (events, a
 * thread id), an approval it asks for, a stop, and finally its exit with the driver's verdict.
 * The supervisor appends them to the run's spool; agentd reads them back in order and turns each
 * into writes. The same records flow in memory when an agent runs without a supervisor.
 */
import type { ApprovalAsk } from '../providers/conversation.js';
import type { ExitInfo, TurnOutcome } from '../providers/provider.js';
import type { NewEvent } from '../protocol/events.js';

/** Why a run is being stopped rather than ending by itself. */
export interface StopRequest {
  /** `store`: agentd could not record the run's output, so the run cannot go on faithfully. */
  kind: 'cancel' | 'shutdown' | 'timeout' | 'failure' | 'store';
  reason: string;
}

export type TurnRecord =
  /** One output line that meant something: events for the log and/or the provider's thread id. */
  | { t: 'out'; events?: NewEvent[]; thread?: string }
  /** The agent asks and waits; the answer goes back by `key`. */
  | { t: 'ask'; ask: ApprovalAsk }
  /** The turn is being stopped (by agentd, by a driver that failed, by a signal to the supervisor). */
  | { t: 'stop'; stop: StopRequest }
  /** The agent exited and every line before this was recorded: the last record of a turn. */
  | { t: 'exit'; exit: ExitInfo; outcome: TurnOutcome };
