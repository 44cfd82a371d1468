import type { AgentEvent } from '../../protocol/schemas.js';
import type { Store } from '../../store/store.js';

/** Receives each committed batch whole, so a transport can write it with one syscall. */
export type EventSink = (events: readonly AgentEvent[]) => void;

/**
 * One subscription to the store's committed events, fanned out to every open stream. Events
 * arrive here after their transaction committed, in log order, so a sink sees them in order.
 */
export class StreamHub {
  private readonly sinks = new Set<EventSink>();
  private readonly unsubscribe: () => void;

  constructor(store: Store) {
    this.unsubscribe = store.onEvents((events) => {
      for (const sink of this.sinks) sink(events);
    });
  }

  add(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  get size(): number {
    return this.sinks.size;
  }

  close(): void {
    this.unsubscribe();
    this.sinks.clear();
  }
}
