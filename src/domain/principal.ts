/**
 * Who is asking. The gateway turns a credential (a bearer token, a session cookie, a stream ticket)
 * into a principal; services decide what that principal may do. No I/O here.
 */
export interface Principal {
  /**
   * Stable id recorded as a session's owner, never a secret: a named operator token's name, `op_` +
   * a fingerprint for a bare token, `local` with auth off; a run token acts as its tree's owner.
   */
  id: string;
  kind: 'operator' | 'local' | 'run';
  /** For a run token: the run it was minted for, which bounds what it may reach. */
  run?: { runId: string; sessionId: string; rootSessionId: string };
}

/** The principal of a daemon with no tokens configured: everyone on the loopback is the owner. */
export const LOCAL_PRINCIPAL: Principal = { id: 'local', kind: 'local' };

/**
 * Whoever presents `--metrics-token`. The gateway attaches it to GET /metrics requests only, so
 * what it may do is read metrics; its id owns nothing (no token name or fingerprint has a colon).
 */
export const SCRAPER_PRINCIPAL: Principal = { id: 'scraper:metrics-token', kind: 'operator' };
