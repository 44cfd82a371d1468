/**
 * A small typed client of the agentd HTTP API, used by agentctl. It imports only wire *types*
 * from the protocol, so loading it pulls in none of the server's modules (agentctl starts fast).
 */
import http from 'node:http';
import https from 'node:https';
import type { TypedEvent } from '../protocol/events.js';
import type { DaemonStatus, Diagnostics, EscalationRequest, Message, Problem, Run, Session } from '../protocol/schemas.js';
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
import type { AnyRequest, ApprovalRequest } from '../protocol/approvals.js';

export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem) {
    super(`${problem.code}: ${problem.detail}`);
  }
}

/** The daemon could not be reached at all (not running, wrong URL). */
export class UnreachableError extends Error {
  readonly code = 'daemon_unreachable';
}

export interface ClientOptions {
  url: string;
  token?: string | undefined;
}

type Query = Record<string, string | number | boolean | undefined>;

export class AgentdClient {
  constructor(private readonly opts: ClientOptions) {}

  get baseUrl(): string {
    return this.opts.url;
  }

  get token(): string | undefined {
    return this.opts.token;
  }

  async request<T>(method: string, path: string, options: { body?: unknown; query?: Query; headers?: Record<string, string> } = {}): Promise<T> {
    const url = new URL(path, this.opts.url.endsWith('/') ? this.opts.url : `${this.opts.url}/`);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    // Also on a bodyless POST: agentd refuses POSTs a web page could send as simple cross-site requests.
    if (payload !== undefined || method === 'POST') headers['content-type'] = 'application/json';
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    const transport = url.protocol === 'https:' ? https : http;
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = transport.request(url, { method, headers }, (res) => {
        res.setEncoding('utf8');
        let text = '';
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      });
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(new UnreachableError(`cannot reach agentd at ${this.opts.url} (${err.code ?? err.message})`)),
      );
      req.end(payload);
    });
    let body: unknown;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      body = null;
    }
    if (status >= 400) {
      // Only a problem document (RFC 9457 with our code) is passed through; anything else that
      // answers an error (a proxy's page, another server's JSON) becomes a generic problem.
      const isProblem = (b: unknown): b is Problem =>
        !!b && typeof b === 'object' && typeof (b as Problem).code === 'string' && typeof (b as Problem).status === 'number' && typeof (b as Problem).detail === 'string';
      const problem = (isProblem(body)
        ? body
        : { type: 'about:blank', title: 'HTTP error', status, code: `http_${status}`, detail: text.slice(0, 200) }) as Problem;
      throw new ApiError(status, problem);
    }
    return body as T;
  }

  daemonStatus() {
    return this.request<DaemonStatus>('GET', 'daemon/status');
  }

  health() {
    return this.request<{ status: string; version: string }>('GET', 'health');
  }

  createSession(input: { title?: string; provider?: string; cwd?: string; max_cost_usd?: number; max_tokens?: number; approval_policy?: string; approval_allow?: string[]; idempotency_key?: string } & WorkspaceInput) {
    return this.request<{ session: Session }>('POST', 'sessions', { body: input });
  }

  listSessions(query: { limit?: number; cursor?: string }) {
    return this.request<{ sessions: Session[]; next_cursor: string | null }>('GET', 'sessions', { query });
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

  listEvents(sessionId: string, query: { cursor?: string; limit?: number }) {
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
