/**
 * Every error the API can answer with, declared once: its stable `code`, HTTP status and title.
 * Services throw `AppError`s built from this catalogue; one fastify error handler turns them into
 * RFC 9457 problem+json. No route builds an error body by hand.
 */
export const ERRORS = {
  bad_request: { status: 400, title: 'Bad request' },
  validation_failed: { status: 400, title: 'Request validation failed' },
  invalid_json: { status: 400, title: 'Request body is not valid JSON' },
  invalid_cursor: { status: 400, title: 'Invalid cursor' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  host_not_allowed: { status: 403, title: 'Host not allowed' },
  origin_not_allowed: { status: 403, title: 'Origin not allowed' },
  route_not_found: { status: 404, title: 'Route not found' },
  session_not_found: { status: 404, title: 'Session not found' },
  run_not_found: { status: 404, title: 'Run not found' },
  request_not_found: { status: 404, title: 'Request not found' },
  webhook_not_found: { status: 404, title: 'Webhook endpoint not found' },
  delivery_not_found: { status: 404, title: 'Delivery not found' },
  push_subscription_not_found: { status: 404, title: 'Push subscription not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  invalid_transition: { status: 409, title: 'Invalid run state transition' },
  state_mismatch: { status: 409, title: 'Run is not in the expected state' },
  idempotency_key_in_flight: { status: 409, title: 'A request with this idempotency key is still in flight' },
  request_already_answered: { status: 409, title: 'Request already answered' },
  wrong_request_kind: { status: 409, title: 'Request is of another kind' },
  decision_not_offered: { status: 422, title: 'Decision not offered by this request' },
  run_not_active: { status: 409, title: 'Run is not active' },
  payload_too_large: { status: 413, title: 'Request body too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  idempotency_key_reused: { status: 422, title: 'Idempotency key reused with a different request' },
  limit_exceeded: { status: 422, title: 'Limit exceeded' },
  no_parent_session: { status: 409, title: 'Run has no parent session' },
  token_expired: { status: 401, title: 'Run token no longer valid' },
  unknown_provider: { status: 422, title: 'Unknown provider' },
  invalid_cwd: { status: 422, title: 'Working directory is not usable' },
  // Workspaces: git worktrees per session (issue 17).
  not_a_git_repository: { status: 422, title: 'Not a git repository' },
  invalid_branch: { status: 422, title: 'Invalid branch name' },
  branch_exists: { status: 409, title: 'Branch already exists' },
  dirty_base: { status: 409, title: 'Repository has uncommitted changes' },
  worktree_failed: { status: 422, title: 'git could not create or change the worktree' },
  no_worktree: { status: 409, title: 'Session has no worktree' },
  worktree_busy: { status: 409, title: 'Worktree has an active run' },
  worktree_dirty: { status: 409, title: 'Worktree has uncommitted changes' },
  worktree_removed: { status: 409, title: 'Worktree was removed' },
  git_unavailable: { status: 503, title: 'git is not available' },
  // Spend (issue 17).
  budget_exceeded: { status: 422, title: 'Session budget exceeded' },
  invalid_url: { status: 422, title: 'URL is not usable' },
  address_not_allowed: { status: 422, title: 'Address not allowed' },
  cursor_expired: { status: 410, title: 'Cursor expired' },
  too_many_requests: { status: 429, title: 'Too many requests' },
  internal_error: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  /** Extra members for the problem body (e.g. the run's current state). Never secrets. */
  readonly extra: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, detail: string, extra?: Record<string, unknown>) {
    super(detail);
    this.name = 'AppError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.title = ERRORS[code].title;
    this.extra = extra;
  }
}

export function problemType(code: string): string {
  return `https://agent-orchestrator.dev/problems/${code.replaceAll('_', '-')}`;
}
