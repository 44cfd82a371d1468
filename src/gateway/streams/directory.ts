import type { AgentEvent, Session } from '../../protocol/schemas.js';
import type { SessionScope, Store } from '../../store/store.js';
import type { Principal } from '../../domain/principal.js';
import type { StreamHub } from './hub.js';

/**
 * Owner and tree of every session, kept in memory so the live path can decide visibility without
 * a query. Loaded at start; it learns new sessions from `session.created`, and is added to the hub
 * before any stream, so it has seen a session before any stream sees the session's events.
 */
export class SessionDirectory {
  private readonly scopes = new Map<string, SessionScope>();

  static async load(store: Store, hub: StreamHub): Promise<SessionDirectory> {
    const directory = new SessionDirectory();
    hub.add((events) => {
      for (const event of events) directory.learn(event);
    });
    for (const scope of await store.listSessionScopes()) directory.scopes.set(scope.id, scope);
    return directory;
  }

  private learn(event: AgentEvent): void {
    if (event.type !== 'session.created') return;
    const session = (event.data as { session: Session }).session;
    this.scopes.set(session.id, { id: session.id, owner: session.owner, root_session_id: session.root_session_id });
  }

  /** Whether `principal` may see events of `sessionId` (its owner; a run token only in its tree). */
  visibleTo(principal: Principal, sessionId: string): boolean {
    const scope = this.scopes.get(sessionId);
    if (!scope || scope.owner !== principal.id) return false;
    return !principal.run || scope.root_session_id === principal.run.rootSessionId;
  }
}
