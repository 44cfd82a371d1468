import { createHash, timingSafeEqual } from 'node:crypto';

export interface Principal {
  /** Stable id recorded as a session's owner. Derived from the token, never the token itself. */
  id: string;
  kind: 'operator' | 'local' | 'run' | 'scraper';
  /** For a run token: the run it was minted for, which bounds what it may reach. */
  run?: { runId: string; sessionId: string; rootSessionId: string };
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** The principal of a daemon with no tokens configured: everyone on the loopback is the owner. */
export const LOCAL_PRINCIPAL: Principal = { id: 'local', kind: 'local' };

/** Whoever presents `--metrics-token`: it may read GET /metrics and nothing else. */
export const SCRAPER_PRINCIPAL: Principal = { id: 'metrics', kind: 'scraper' };

/**
 * Operator bearer tokens. Comparison is constant-time: every configured digest is compared with
 * timingSafeEqual (no early exit), so timing reveals neither which token nor how much matched.
 */
export class TokenRegistry {
  private readonly entries: { digest: Buffer; principal: Principal }[];

  constructor(tokens: string[]) {
    this.entries = tokens.map((token) => {
      const d = digest(token);
      return { digest: d, principal: { id: `op_${d.toString('hex').slice(0, 16)}`, kind: 'operator' } };
    });
  }

  get enabled(): boolean {
    return this.entries.length > 0;
  }

  verify(token: string): Principal | undefined {
    const presented = digest(token);
    let match: Principal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, presented)) match = entry.principal;
    }
    return match;
  }
}

/** Extracts the token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
