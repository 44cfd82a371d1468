/**
 * The typed agentd API, one method per route, over any transport: node:http for agentctl
 * (http-client.ts), `fetch` for the web client (web/src/api.ts). It imports only wire *types* from
 * the protocol and nothing of Node, so both a CLI bundle and a browser bundle can carry it, and a
 * field renamed in src/protocol fails the build of both.
 */
import type { TypedEvent } from '../protocol/events.js';
import type { DaemonStatus, Diagnostics, EscalationRequest, Message, Problem, Run, Session } from '../protocol/schemas.js';
import type { AnyRequest, ApprovalRequest } from '../protocol/approvals.js';
import type { SignInStatus } from '../protocol/auth.js';
import type { Static } from '@sinclair/typebox';
import type { SessionDiffSchema, SessionReportSchema, UsageReportSchema } from '../protocol/workspaces.js';

export type SessionReport = Static<typeof SessionReportSchema>;
export type SessionDiff = Static<typeof SessionDiffSchema>;
export type UsageReport = Static<typeof UsageReportSchema>;

/** What a new session (or child) can ask for beyond its task. */
export interface WorkspaceInput {
  worktree?: boolean;
  branch?: string;
  allow_dirty?: boolean;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem) {
    super(`${problem.code}: ${problem.detail}`);
  }
}

/** The daemon could not be reached at all (not running, wrong URL, no network). */
export class UnreachableError extends Error {
  readonly code = 'daemon_unreachable';
}

/** One HTTP exchange; throws UnreachableError when no answer came. */
export type Transport = (request: { method: string; url: URL; headers: Record<string, string>; body: string | undefined }) => Promise<{ status: number; text: string }>;

type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  headers?: Record<string, string>;
}

/** Whether a parsed error body is one of our problem documents (RFC 9457 with a code). */
function isProblem(body: unknown): body is Problem {
  return !!body && typeof body === 'object' && typeof (body as Problem).code === 'string'
    && typeof (body as Problem).status === 'number' && typeof (body as Problem).detail === 'string';
}

/** What a session list says besides the sessions, with `include=activity`. */
export interface SessionActivity {
  /** Each listed session's newest run, by session id (absent: no run yet). */
  latest_runs: Record<string, Run>;
  /** The newest event id when the page was read: follow `GET /stream?cursor=` from it to miss nothing after. */
  stream_cursor: string | null;
}

export class AgentdApi {
  constructor(
    private readonly base: string,
    private readonly transport: Transport,
    private readonly bearer?: string | undefined,
  ) {}

  get baseUrl(): string {
    return this.base;
  }

  get token(): string | undefined {
    return this.bearer;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(path, this.base.endsWith('/') ? this.base : `${this.base}/`);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    // Also on a bodyless POST: agentd refuses POSTs a web page could send as simple cross-site requests.
    if (body !== undefined || method === 'POST') headers['content-type'] = 'application/json';
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    const { status, text } = await this.transport({ method, url, headers, body });
    let parsed: unknown;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = null;
    }
    if (status >= 400) {
      // Only a problem document is passed through; anything else that answers an error (a proxy's
      // page, another server's JSON) becomes a generic problem.
      const problem: Problem = isProblem(parsed)
        ? parsed
        : { type: 'about:blank', title: 'HTTP error', status, code: `http_${status}`, detail: text.slice(0, 200) };
      throw new ApiError(status, problem);
    }
    return parsed as T;
  }

  daemonStatus() {
    return this.request<DaemonStatus>('GET', 'daemon/status');
  }

  health() {
    return this.request<{ status: string; version: string }>('GET', 'health');
  }

  /** Who this client is signed in as (401 when it is not). */
  signInStatus() {
    return this.request<SignInStatus>('GET', 'auth/session');
  }

  /** A browser exchanges an operator token for its HttpOnly session cookie; the token is sent once, here. */
  signIn(token: string) {
    return this.request<SignInStatus>('POST', 'auth/session', { headers: { authorization: `Bearer ${token}` } });
  }

  signOut() {
    return this.request<null>('DELETE', 'auth/session');
  }

  createSession(input: { title?: string; provider?: string; cwd?: string; max_cost_usd?: number; max_tokens?: number; approval_policy?: string; approval_allow?: string[]; idempotency_key?: string } & WorkspaceInput) {
    return this.request<{ session: Session }>('POST', 'sessions', { body: input });
  }

  listSessions(query: { limit?: number; cursor?: string }) {
    return this.request<{ sessions: Session[]; next_cursor: string | null }>('GET', 'sessions', { query });
  }

  /** A page of sessions with each one's newest run and the stream cursor to follow changes from. */
  listSessionsWithActivity(query: { limit?: number; cursor?: string }) {
    return this.request<{ sessions: Session[]; next_cursor: string | null; activity: SessionActivity }>(
      'GET', 'sessions', { query: { ...query, include: 'activity' } });
  }

  getSession(id: string) {
    return this.request<SessionReport>('GET', `sessions/${encodeURIComponent(id)}`);
  }

  diffSession(id: string) {
    return this.request<SessionDiff>('GET', `sessions/${encodeURIComponent(id)}/diff`);
  }

  removeWorktree(id: string, force: boolean) {
    return this.request<{ session: Session }>('DELETE', `sessions/${encodeURIComponent(id)}/worktree`, { query: { force } });
  }

  setSessionBudget(id: string, budget: { max_cost_usd: number | null; max_tokens: number | null }) {
    return this.request<{ session: Session }>('PUT', `sessions/${encodeURIComponent(id)}/budget`, { body: budget });
  }

  usage(query: { since?: string; session_id?: string; limit?: number }) {
    return this.request<UsageReport>('GET', 'usage', { query });
  }

  sendMessage(sessionId: string, input: { text: string; role?: Message['role']; idempotency_key?: string }) {
    return this.request<{ message: Message; run: Run | null }>('POST', `sessions/${encodeURIComponent(sessionId)}/messages`, { body: input });
  }

  /**
   * A page of a session's events, oldest first. Forward (the default): strictly after `cursor`.
   * Backward: the `limit` events strictly before `cursor` (before the end when omitted), and
   * `next_cursor`/`has_more` lead further back.
   */
  listEvents(sessionId: string, query: { cursor?: string; limit?: number; direction?: 'forward' | 'backward' }) {
    return this.request<{ events: TypedEvent[]; next_cursor: string | null; has_more: boolean }>(
      'GET', `sessions/${encodeURIComponent(sessionId)}/events`, { query });
  }

  getRun(id: string) {
    return this.request<{ run: Run }>('GET', `runs/${encodeURIComponent(id)}`);
  }

  waitRun(id: string, timeoutS: number) {
    return this.request<{ run: Run; timed_out: boolean }>('GET', `runs/${encodeURIComponent(id)}/wait`, { query: { timeout_s: timeoutS } });
  }

  cancelRun(id: string) {
    return this.request<{ run: Run }>('POST', `runs/${encodeURIComponent(id)}/cancel`);
  }

  transitionRun(id: string, input: { state: string; expected_state?: string; reason?: string }) {
    return this.request<{ run: Run }>('POST', `runs/${encodeURIComponent(id)}/transition`, { body: input });
  }

  diagnoseRun(id: string) {
    return this.request<{ run: Run; diagnostics: Diagnostics }>('GET', `runs/${encodeURIComponent(id)}/diagnose`);
  }

  spawnFromRun(runId: string, input: { task: string; provider?: string; cwd?: string; title?: string; idempotency_key?: string } & WorkspaceInput) {
    return this.request<{ session: Session; run: Run }>('POST', `runs/${encodeURIComponent(runId)}/spawn`, { body: input });
  }

  spawnFromSession(sessionId: string, input: { task: string; provider?: string; cwd?: string; title?: string; idempotency_key?: string } & WorkspaceInput) {
    return this.request<{ session: Session; run: Run }>('POST', `sessions/${encodeURIComponent(sessionId)}/spawn`, { body: input });
  }

  sendToSession(sessionId: string, input: { text: string; request_id?: string; idempotency_key?: string }) {
    return this.request<{ message: Message; run: Run; answered: EscalationRequest[] }>(
      'POST', `sessions/${encodeURIComponent(sessionId)}/send`, { body: input });
  }

  replyParent(runId: string, input: { text: string; request_kind: string; idempotency_key?: string }) {
    return this.request<{ request: EscalationRequest; message: Message }>('POST', `runs/${encodeURIComponent(runId)}/reply-parent`, { body: input });
  }

  listRequests(sessionId: string, state?: string) {
    return this.request<{ requests: AnyRequest[] }>('GET', `sessions/${encodeURIComponent(sessionId)}/requests`, { query: { state } });
  }

  inbox(query: { state?: string; limit?: number; cursor?: string }) {
    return this.request<{ requests: AnyRequest[]; next_cursor: string | null }>('GET', 'requests', { query });
  }

  getRequest(id: string) {
    return this.request<{ request: AnyRequest }>('GET', `requests/${encodeURIComponent(id)}`);
  }

  approveRequest(id: string, input: { for_session?: boolean; message?: string; idempotency_key?: string }) {
    return this.request<{ request: ApprovalRequest }>('POST', `requests/${encodeURIComponent(id)}/approve`, { body: input });
  }

  denyRequest(id: string, input: { message?: string; idempotency_key?: string }) {
    return this.request<{ request: ApprovalRequest }>('POST', `requests/${encodeURIComponent(id)}/deny`, { body: input });
  }

  respondToRequest(requestId: string, input: { text: string; idempotency_key?: string }) {
    return this.request<{ request: EscalationRequest; message: Message; run: Run }>('POST', `requests/${encodeURIComponent(requestId)}/respond`, { body: input });
  }
}
