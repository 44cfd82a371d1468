import type { AgentEvent } from '../../protocol/schemas.js';
import type { Store } from '../../store/store.js';
import { SessionDirectory } from './directory.js';
import { StreamHub } from './hub.js';
import { StreamTickets } from './tickets.js';
import type { Subscription } from './subscription.js';

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
  tickets: StreamTickets;
  /** Open streams, so a shutdown can end them (a hijacked SSE response would hold the server open). */
  open: Set<Subscription>;
  replaySession(sessionId: string, afterPosition: number, limit: number): Promise<AgentEvent[]>;
  replayOwner(owner: string, afterPosition: number, limit: number): Promise<AgentEvent[]>;
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
    tickets: new StreamTickets(settings.ticketTtlMs),
    open,
    replaySession: (sessionId, after, limit) => store.listEvents(sessionId, after, limit),
    replayOwner: (owner, after, limit) => store.listEventsForOwner(owner, after, limit),
    close() {
      for (const subscription of open) subscription.close('daemon shutting down');
      hub.close();
    },
  };
}
