/**
 * The API the page talks to: agentctl's typed client (src/client/api.ts) over `fetch`. URLs are
 * relative to the page, so a proxy may serve agentd under a path prefix. The browser sends the
 * HttpOnly session cookie by itself; no token is ever kept by the page.
 */
import { AgentdApi, ApiError, UnreachableError, type Transport } from '../../src/client/api.js';

export { ApiError, UnreachableError };

/** Where agentd is: the directory of the page (`/`, or a proxy's prefix). */
export const BASE_URL = new URL('.', location.href).href;

const fetchTransport: Transport = async ({ method, url, headers, body }) => {
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: body ?? null, credentials: 'same-origin', cache: 'no-store' });
  } catch (err) {
    throw new UnreachableError(`cannot reach agentd (${(err as Error).message})`);
  }
  return { status: res.status, text: await res.text() };
};

export const api = new AgentdApi(BASE_URL, fetchTransport);

/** A key for one intended action, reused by every retry of it (agentd replays the first answer). */
export function idempotencyKey(): string {
  return `web-${crypto.randomUUID()}`;
}

/** A sentence for a person from whatever an API call threw. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.problem.detail || err.problem.title;
  if (err instanceof UnreachableError) return 'agentd cannot be reached; check the connection and try again';
  return err instanceof Error ? err.message : String(err);
}
