import type { AgentEvent } from '../../protocol/schemas.js';
import type { Store } from '../../store/store.js';
import { SessionDirectory } from './directory.js';
import { StreamHub } from './hub.js';
import { StreamTickets } from './tickets.js';
import type { StreamEnd, Subscription } from './subscription.js';
import type { TicketGrant } from '../request-auth.js';

export interface StreamSettings {
  heartbeatMs: number;
  bufferBytes: number;
  ticketTtlMs: number;
  /** The reconnect delay SSE clients are told to use (`retry:`). */
  retryMs: number;
  /** Told when a stream is cut off for reading too slowly (metrics). */
  onOverflow?: () => void;
}

/** Everything the stream routes need, built once per daemon. */
export interface StreamContext extends StreamSettings {
  hub: StreamHub;
  directory: SessionDirectory;
  tickets: StreamTickets<TicketGrant>;
  /** Open streams, so a shutdown can end them (a hijacked SSE response would hold the server open). */
  open: Set<Subscription>;
  replaySession(sessionId: string, afterPosition: number, limit: number): Promise<AgentEvent[]>;
  replayOwner(owner: string, afterPosition: number, limit: number): Promise<AgentEvent[]>;
  /** Ends for good the open streams `match` picks (their credential was withdrawn); returns how many. */
  endWhere(match: (subscription: Subscription) => boolean, reason: StreamEnd, detail: string): number;
  /** Ends every open stream; clients resume from their cursors. */
  close(): void;
}

export async function createStreamContext(store: Store, settings: StreamSettings): Promise<StreamContext> {
  const hub = new StreamHub(store);
  const directory = await SessionDirectory.load(store, hub);
  const open = new Set<Subscription>();
  return {
    ...settings,
    hub,
    directory,
    tickets: new StreamTickets<TicketGrant>(settings.ticketTtlMs),
    open,
    replaySession: (sessionId, after, limit) => store.listEvents(sessionId, after, limit),
    replayOwner: (owner, after, limit) => store.listEventsForOwner(owner, after, limit),
    endWhere(match, reason, detail) {
      const ending = [...open].filter(match);
      for (const subscription of ending) subscription.end(reason, detail);
      return ending.length;
    },
    close() {
      for (const subscription of open) subscription.close('daemon shutting down');
      hub.close();
    },
  };
}
