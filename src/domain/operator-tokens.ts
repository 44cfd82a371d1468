/**
 * Operator tokens as configured: `SECRET` (a bare token, as before names existed) or `NAME:SECRET`.
 * A named token's principal is its name, so its secret can be rotated (or two secrets overlap
 * while clients move) without hiding what the name owns. A bare token's principal stays what it
 * always was, a fingerprint of the secret, so existing sessions keep their owner.
 * Pure parsing and checking; reading the tokens file is the config's job.
 */
import { createHash } from 'node:crypto';

export interface OperatorToken {
  /** null for a bare token. */
  name: string | null;
  secret: string;
}

export class TokenSpecError extends Error {}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * `op_` + the first 16 hex digits of the secret's SHA-256: a bare token's principal id, and for
 * every token the id under which logs, sign-ins and revocations refer to it. Never the secret.
 */
export function tokenFingerprint(secret: string): string {
  return `op_${createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 16)}`;
}

/** The principal id a token authenticates as. */
export function tokenPrincipalId(token: OperatorToken): string {
  return token.name ?? tokenFingerprint(token.secret);
}

/**
 * Parses one `--auth-token` value or tokens-file line. A leading `:` marks a bare secret that
 * itself contains `:` (`:abc:def` is the secret `abc:def`). `where` names the source in errors;
 * no error ever quotes the secret.
 */
export function parseTokenSpec(spec: string, where: string): OperatorToken {
  let name: string | null = null;
  let secret = spec;
  const colon = spec.indexOf(':');
  if (colon === 0) secret = spec.slice(1);
  else if (colon > 0 && NAME.test(spec.slice(0, colon))) {
    name = spec.slice(0, colon);
    secret = spec.slice(colon + 1);
  }
  if (secret === '') {
    throw new TokenSpecError(`${where}: the token${name ? ` named "${name}"` : ''} is empty; an empty token could never be presented, so nobody could sign in`);
  }
  if (/[\s\x00-\x1f\x7f]/.test(secret)) {
    throw new TokenSpecError(`${where}: the token${name ? ` named "${name}"` : ''} contains whitespace or control characters, which a bearer header cannot carry`);
  }
  if (name !== null && (name === 'local' || /^(op|agt)_/i.test(name))) {
    throw new TokenSpecError(`${where}: the token name "${name}" is reserved (local, op_…, agt_… are principal ids agentd makes itself)`);
  }
  return { name, secret };
}

/** Tokens-file text: one token per line, `#` comments and blank lines ignored. */
export function parseTokensFile(text: string, path: string): OperatorToken[] {
  const tokens: OperatorToken[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    tokens.push(parseTokenSpec(line, `${path}:${i + 1}`));
  });
  return tokens;
}

/**
 * One entry per secret. The same secret twice under one name is harmless and merged; under two
 * names (or named and bare) it would be two principals for one credential, so it is refused.
 */
export function uniqueTokens(tokens: OperatorToken[]): OperatorToken[] {
  const bySecret = new Map<string, OperatorToken>();
  for (const token of tokens) {
    const seen = bySecret.get(token.secret);
    if (seen && seen.name !== token.name) {
      const label = (t: OperatorToken) => (t.name ? `"${t.name}"` : 'a bare token');
      throw new TokenSpecError(`one secret is configured as both ${label(seen)} and ${label(token)}; give each name its own secret`);
    }
    bySecret.set(token.secret, token);
  }
  return [...bySecret.values()];
}
