/**
 * What the page knows, and how it stays true: who is signed in, the sessions with their newest run,
 * the requests waiting for an answer, and the conversations open on screen. One live stream feeds
 * all of it. Lists are read once (with the stream cursor of that moment) and then kept current by
 * the stream's events only; an open conversation is read from its newest end and extended by them.
 */
import type { TypedEvent } from '../../../src/protocol/events.js';
import type { Run, Session } from '../../../src/protocol/schemas.js';
import type { AnyRequest } from '../../../src/protocol/approvals.js';
import { api, ApiError, describeError } from '../api.js';
import { LiveStream, type ConnectionState } from '../live/stream.js';
import { Cell } from './cell.js';
import { Timeline } from './timeline.js';
import { newerRun } from './sessions.js';
import { push } from './push.js';

export type AuthState =
  | { status: 'checking' }
  | { status: 'signed-out'; authEnabled: boolean; error?: string }
  | { status: 'signed-in'; principal: string; authEnabled: boolean }
  | { status: 'unreachable'; error: string };

export interface SessionsState {
  byId: Map<string, Session>;
  /** Newest first. */
  order: string[];
  latestRun: Map<string, Run>;
  nextCursor: string | null;
  loading: boolean;
  error: string | null;
}

export interface OpenTimeline {
  timeline: Timeline;
  /** Set on every change of the timeline (its version). */
  cell: Cell<number>;
  loading: boolean;
  loadingOlder: boolean;
  error: string | null;
}

const PAGE = 200;
const OLDER_PAGE = 500;
const SESSION_PAGE = 100;

export class AppModel {
  readonly auth = new Cell<AuthState>({ status: 'checking' });
  readonly connection = new Cell<ConnectionState>('connecting');
  readonly sessions = new Cell<SessionsState>({ byId: new Map(), order: [], latestRun: new Map(), nextCursor: null, loading: true, error: null });
  readonly requests = new Cell<Map<string, AnyRequest>>(new Map());
  /** Events delivered by the stream since the page loaded (shown in run details and used by tests of the bench). */
  readonly delivered = new Cell<number>(0);
  private stream: LiveStream | undefined;
  private readonly open = new Map<string, OpenTimeline & { pending: TypedEvent[]; filling: boolean }>();

  /** The newest page of the session the page was opened on, asked for while sign-in is checked. */
  private prefetched: { sessionId: string; page: ReturnType<typeof api.listEvents> } | undefined;

  /** `sessionId`: the session the page opens on, whose newest events are fetched at once. */
  async boot(sessionId: string | null = null): Promise<void> {
    if (sessionId) {
      const page = api.listEvents(sessionId, { direction: 'backward', limit: PAGE });
      page.catch(() => undefined); // not signed in yet: fetched again once signed in
      this.prefetched = { sessionId, page };
    }
    try {
      const status = await api.signInStatus();
      this.auth.set({ status: 'signed-in', principal: status.principal.id, authEnabled: status.auth_enabled });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return this.auth.set({ status: 'signed-out', authEnabled: true });
      return this.auth.set({ status: 'unreachable', error: describeError(err) });
    }
    await this.start();
  }

  /** Exchanges the token for the HttpOnly cookie; the token is not kept anywhere. */
  async signIn(token: string): Promise<void> {
    try {
      const status = await api.signIn(token);
      this.auth.set({ status: 'signed-in', principal: status.principal.id, authEnabled: status.auth_enabled });
    } catch (err) {
      const error = err instanceof ApiError && err.status === 401 ? 'That token is not valid here.' : describeError(err);
      this.auth.set({ status: 'signed-out', authEnabled: true, error });
      return;
    }
    await this.start();
  }

  async signOut(): Promise<void> {
    this.stop();
    await push.forgetThisDevice();
    try {
      await api.signOut();
    } catch {
      // signed out locally either way; the cookie expires by itself
    }
    this.auth.set({ status: 'signed-out', authEnabled: true });
  }

  private retryStart: ReturnType<typeof setTimeout> | undefined;

  private stop(): void {
    clearTimeout(this.retryStart);
    this.stream?.stop();
    this.stream = undefined;
    this.open.clear();
    this.sessions.set({ byId: new Map(), order: [], latestRun: new Map(), nextCursor: null, loading: true, error: null });
    this.requests.set(new Map());
  }

  /** Reads the lists, then follows every change after the moment they were read. */
  private async start(): Promise<void> {
    this.stop();
    let cursor: string | null;
    try {
      const page = await api.listSessionsWithActivity({ limit: SESSION_PAGE });
      cursor = page.activity.stream_cursor;
      this.addSessions(page.sessions, Object.values(page.activity.latest_runs), page.next_cursor);
      await this.loadInbox();
    } catch (err) {
      this.sessions.update((s) => ({ ...s, loading: false, error: describeError(err) }));
      if (err instanceof ApiError && err.status === 401) return this.auth.set({ status: 'signed-out', authEnabled: true });
      // agentd unreachable or starting: try again (the error stays shown until then).
      this.retryStart = setTimeout(() => void this.start(), 2000);
      return;
    }
    this.stream = new LiveStream({
      cursor,
      onEvents: (events) => this.apply(events),
      onState: (state) => this.connection.set(state),
      onEnded: () => {
        this.stop();
        this.auth.set({ status: 'signed-out', authEnabled: true, error: 'Signed out. Sign in again to continue.' });
      },
      onExpired: () => void this.resync(),
    });
    this.stream.start();
  }

  /**
   * The page was away so long that retention deleted events it had not seen: read the lists and
   * every open conversation afresh from their newest end, and follow from there.
   */
  private async resync(): Promise<void> {
    const open = [...this.open.values()];
    await this.start();
    for (const entry of open) {
      this.open.set(entry.timeline.sessionId, entry);
      entry.loading = true;
      entry.pending = [];
      void this.loadNewest(entry);
    }
  }

  private async loadInbox(): Promise<void> {
    const found = new Map<string, AnyRequest>();
    let cursor: string | undefined;
    do {
      const page = await api.inbox({ state: 'open', limit: 500, ...(cursor && { cursor }) });
      for (const request of page.requests) found.set(request.id, request);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    this.requests.update((known) => {
      const next = new Map(known);
      for (const [id, request] of found) if (!next.has(id)) next.set(id, request);
      return next;
    });
  }

  async loadMoreSessions(): Promise<void> {
    const cursor = this.sessions.value.nextCursor;
    if (!cursor || this.sessions.value.loading) return;
    this.sessions.update((s) => ({ ...s, loading: true }));
    try {
      const page = await api.listSessionsWithActivity({ limit: SESSION_PAGE, cursor });
      this.addSessions(page.sessions, Object.values(page.activity.latest_runs), page.next_cursor);
    } catch (err) {
      this.sessions.update((s) => ({ ...s, loading: false, error: describeError(err) }));
    }
  }

  private addSessions(sessions: Session[], runs: Run[], nextCursor: string | null | undefined): void {
    this.sessions.update((s) => {
      const byId = new Map(s.byId);
      const latestRun = new Map(s.latestRun);
      const order = [...s.order];
      for (const session of sessions) {
        if (!byId.has(session.id)) order.push(session.id);
        byId.set(session.id, session);
      }
      for (const run of runs) latestRun.set(run.session_id, newerRun(latestRun.get(run.session_id), run));
      order.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
      return { byId, order, latestRun, nextCursor: nextCursor === undefined ? s.nextCursor : nextCursor, loading: false, error: null };
    });
  }

  /** A session by id, fetched when it is not in the lists (a link to an older one). */
  async session(id: string): Promise<Session> {
    const known = this.sessions.value.byId.get(id);
    if (known) return known;
    const { session } = await api.getSession(id);
    this.sessions.update((s) => {
      const byId = new Map(s.byId).set(session.id, session);
      const order = s.order.includes(session.id) ? s.order : [...s.order, session.id].sort((a, b) => (a < b ? 1 : -1));
      return { ...s, byId, order };
    });
    return session;
  }

  /** Applies a batch of live events to every list and open conversation. */
  private apply(events: TypedEvent[]): void {
    this.delivered.set(this.delivered.value + events.length);
    let sessions = this.sessions.value;
    let requests = this.requests.value;
    let sessionsChanged = false;
    let requestsChanged = false;
    const touchSessions = () => {
      if (!sessionsChanged) {
        sessions = { ...sessions, byId: new Map(sessions.byId), latestRun: new Map(sessions.latestRun), order: [...sessions.order] };
        sessionsChanged = true;
      }
    };
    const upsertRequest = (request: AnyRequest) => {
      const known = requests.get(request.id);
      // An answer never turns back into an open ask, whichever event arrives first.
      if (known && known.state !== 'open' && request.state === 'open') return;
      if (!requestsChanged) {
        requests = new Map(requests);
        requestsChanged = true;
      }
      requests.set(request.id, request);
    };
    const addSession = (session: Session) => {
      touchSessions();
      if (!sessions.byId.has(session.id)) sessions.order.unshift(session.id);
      sessions.byId.set(session.id, session);
    };
    for (const event of events) {
      switch (event.type) {
        case 'session.created':
          addSession(event.data.session);
          break;
        case 'child.spawned':
          addSession(event.data.session);
          touchSessions();
          sessions.latestRun.set(event.data.session.id, newerRun(sessions.latestRun.get(event.data.session.id), event.data.run));
          break;
        case 'run.queued':
        case 'run.running':
        case 'run.completed':
        case 'run.failed':
        case 'run.cancelled':
        case 'run.interrupted':
          touchSessions();
          sessions.latestRun.set(event.session_id, newerRun(sessions.latestRun.get(event.session_id), event.data.run));
          break;
        case 'request.created':
        case 'request.answered':
        case 'child.request':
          upsertRequest(event.data.request);
          break;
        default:
          break;
      }
      const session = sessions.byId.get(event.session_id);
      if (session && (session.last_seq < event.seq || session.updated_at < event.ts)) {
        touchSessions();
        sessions.byId.set(session.id, { ...session, last_seq: Math.max(session.last_seq, event.seq), updated_at: event.ts > session.updated_at ? event.ts : session.updated_at });
      }
    }
    if (sessionsChanged) {
      sessions.order.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
      this.sessions.set(sessions);
    }
    if (requestsChanged) this.requests.set(requests);
    for (const [sessionId, open] of this.open) {
      const mine = events.filter((e) => e.session_id === sessionId);
      if (mine.length > 0) this.feed(open, mine);
    }
  }

  /** Opens a session's conversation: its newest page now, live events from then on. */
  openTimeline(sessionId: string): OpenTimeline {
    let open = this.open.get(sessionId);
    if (open) return open;
    open = { timeline: new Timeline(sessionId), cell: new Cell(0), loading: true, loadingOlder: false, error: null, pending: [], filling: false };
    this.open.set(sessionId, open);
    // Only a few conversations stay in memory: the oldest opened is dropped.
    if (this.open.size > 3) this.open.delete(this.open.keys().next().value!);
    void this.loadNewest(open);
    return open;
  }

  private async loadNewest(open: OpenTimeline & { pending: TypedEvent[]; filling: boolean }): Promise<void> {
    try {
      const prefetched = this.prefetched?.sessionId === open.timeline.sessionId ? await this.prefetched.page.catch(() => undefined) : undefined;
      this.prefetched = undefined;
      const page = prefetched ?? await api.listEvents(open.timeline.sessionId, { direction: 'backward', limit: PAGE });
      open.timeline.load(page.events, page.has_more);
      open.loading = false;
      const pending = open.pending;
      open.pending = [];
      if (pending.length > 0) this.feed(open, pending);
      else open.cell.set(open.timeline.version);
    } catch (err) {
      open.loading = false;
      open.error = describeError(err);
      open.cell.set(open.timeline.version + 1);
    }
  }

  /** Live events into an open conversation; a hole is filled from the log before going on. */
  private feed(open: OpenTimeline & { pending: TypedEvent[]; filling: boolean }, events: TypedEvent[]): void {
    if (open.loading || open.filling) {
      open.pending.push(...events);
      return;
    }
    if (open.timeline.appendLive(events) === 'gap') {
      open.pending.push(...events);
      void this.fill(open);
    }
    open.cell.set(open.timeline.version);
  }

  private async fill(open: OpenTimeline & { pending: TypedEvent[]; filling: boolean }): Promise<void> {
    open.filling = true;
    try {
      for (;;) {
        const page = await api.listEvents(open.timeline.sessionId, { cursor: open.timeline.lastId ?? undefined, limit: 1000 });
        open.timeline.appendLive(page.events);
        if (!page.has_more) break;
      }
    } catch (err) {
      open.error = describeError(err);
    } finally {
      open.filling = false;
    }
    const pending = open.pending;
    open.pending = [];
    this.feed(open, pending);
  }

  /** The page before the oldest event shown. */
  async loadOlder(sessionId: string): Promise<void> {
    const open = this.open.get(sessionId);
    if (!open || open.loading || open.loadingOlder || !open.timeline.hasOlder || !open.timeline.firstId) return;
    open.loadingOlder = true;
    open.cell.set(open.timeline.version);
    try {
      const page = await api.listEvents(sessionId, { direction: 'backward', cursor: open.timeline.firstId, limit: OLDER_PAGE });
      open.timeline.prependOlder(page.events, page.has_more);
    } catch (err) {
      open.error = describeError(err);
    } finally {
      open.loadingOlder = false;
      open.cell.set(open.timeline.version);
    }
  }
}

export const app = new AppModel();
