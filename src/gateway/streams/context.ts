import type { StoredFrame } from '../../protocol/event-json.js';
import type { Store } from '../../store/store.js';
import { StreamBudget } from './budget.js';
import { SessionDirectory } from './directory.js';
import { StreamHub } from './hub.js';
import { ReplayTurns } from './replay-turns.js';
import { StreamTickets } from './tickets.js';
import type { StreamEnd, Subscription } from './subscription.js';
import type { TicketGrant } from '../request-auth.js';

export interface StreamSettings {
  heartbeatMs: number;
  /** Unread bytes one stream may leave before it is cut off. */
  bufferBytes: number;
  /** Unread bytes of all streams together before the furthest behind are cut off. */
  totalBufferBytes: number;
  /** Open streams at most. */
  maxStreams: number;
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
  budget: StreamBudget;
  turns: ReplayTurns;
  /** Open streams, so a shutdown can end them (a hijacked SSE response would hold the server open). */
  open: Set<Subscription>;
  /** Set once the daemon stops: no stream opens any more. */
  readonly closing: boolean;
  replaySession(sessionId: string, afterPosition: number, limit: number): Promise<StoredFrame[]>;
  replayOwner(owner: string, afterPosition: number, limit: number): Promise<StoredFrame[]>;
  /** Ends for good the open streams `match` picks (their credential was withdrawn); returns how many. */
  endWhere(match: (subscription: Subscription) => boolean, reason: StreamEnd, detail: string): number;
  /**
   * Ends every open stream — WebSocket close 1001 (going away), or 1012 when the daemon restarts;
   * SSE responses end — and opens no more. Clients resume from their cursors.
   */
  close(opts?: { restart?: boolean }): void;
}

export async function createStreamContext(store: Store, settings: StreamSettings): Promise<StreamContext> {
  const hub = new StreamHub(store);
  const directory = await SessionDirectory.load(store, hub);
  const open = new Set<Subscription>();
  let closing = false;
  return {
    ...settings,
    hub,
    directory,
    tickets: new StreamTickets<TicketGrant>(settings.ticketTtlMs),
    budget: new StreamBudget(settings.totalBufferBytes),
    turns: new ReplayTurns(),
    open,
    get closing() {
      return closing;
    },
    replaySession: (sessionId, after, limit) => store.listEventFrames({ sessionId }, after, limit),
    replayOwner: (owner, after, limit) => store.listEventFrames({ owner }, after, limit),
    endWhere(match, reason, detail) {
      const ending = [...open].filter(match);
      for (const subscription of ending) subscription.end(reason, detail);
      return ending.length;
    },
    close(opts = {}) {
      closing = true;
      const kind = opts.restart ? 'restart' : 'going_away';
      for (const subscription of open) subscription.close(kind, opts.restart ? 'daemon restarting' : 'daemon shutting down');
      hub.close();
    },
  };
}
