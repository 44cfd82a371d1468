import { createHash, timingSafeEqual } from 'node:crypto';
import { tokenFingerprint, tokenPrincipalId, type OperatorToken } from '../domain/operator-tokens.js';
import type { Principal } from '../domain/principal.js';

// Principal moved to the domain (who asks is a domain idea); re-exported for code written before.
export { LOCAL_PRINCIPAL, type Principal } from '../domain/principal.js';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export interface OperatorMatch {
  principal: Principal;
  /** The token's fingerprint (`op_…`): what sign-ins and open streams remember it by. */
  tokenId: string;
  /** The token's name, or null for a bare token: what logs and audits show. */
  name: string | null;
}

interface Entry extends OperatorMatch {
  digest: Buffer;
}

/** What a reload changed, by name or fingerprint — never a secret. */
export interface TokenChange {
  added: string[];
  removed: string[];
  /** Fingerprints no longer configured: their sign-ins and streams must end. */
  removedTokenIds: string[];
}

/**
 * Operator bearer tokens. Comparison is constant-time: every configured digest is compared with
 * timingSafeEqual (no early exit), so timing reveals neither which token nor how much matched.
 * The set can be replaced while the daemon runs (SIGHUP re-reads the tokens file).
 */
export class TokenRegistry {
  private entries: Entry[] = [];

  constructor(tokens: OperatorToken[]) {
    this.entries = tokens.map(toEntry);
  }

  get enabled(): boolean {
    return this.entries.length > 0;
  }

  verify(token: string): OperatorMatch | undefined {
    const presented = digest(token);
    let match: Entry | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, presented)) match = entry;
    }
    return match && { principal: match.principal, tokenId: match.tokenId, name: match.name };
  }

  /** Fingerprints of every configured token. */
  tokenIds(): string[] {
    return this.entries.map((e) => e.tokenId);
  }

  /** The principal a still-configured token stands for (by fingerprint), or undefined once it is gone. */
  byTokenId(tokenId: string): OperatorMatch | undefined {
    const entry = this.entries.find((e) => e.tokenId === tokenId);
    return entry && { principal: entry.principal, tokenId: entry.tokenId, name: entry.name };
  }

  replace(tokens: OperatorToken[]): TokenChange {
    const next = tokens.map(toEntry);
    // A secret that moved to another name is a removal too: what it opened belonged to the old name.
    const key = (e: Entry) => `${e.tokenId} ${e.principal.id}`;
    const label = (e: Entry) => e.name ?? e.tokenId;
    const before = new Set(this.entries.map(key));
    const after = new Set(next.map(key));
    const gone = this.entries.filter((e) => !after.has(key(e)));
    const change: TokenChange = {
      added: next.filter((e) => !before.has(key(e))).map(label),
      removed: gone.map(label),
      removedTokenIds: gone.map((e) => e.tokenId),
    };
    this.entries = next;
    return change;
  }
}

function toEntry(token: OperatorToken): Entry {
  return {
    digest: digest(token.secret),
    tokenId: tokenFingerprint(token.secret),
    name: token.name,
    principal: { id: tokenPrincipalId(token), kind: 'operator' },
  };
}

/** Extracts the token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
