/**
 * Browser sign-ins: an operator token is exchanged once for an HttpOnly session cookie, which the
 * browser then sends by itself — on API calls and on EventSource/WebSocket reconnects alike, so a
 * page's live view survives blips and daemon restarts without a token in script or URL. Only the
 * cookie's SHA-256 is stored; a sign-in ends when it expires, when its cookie signs out, or when
 * the token that made it is revoked.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import type { SignIn, SignInStore } from '../store/sign-ins.js';

export const SIGN_IN_COOKIE = 'agentd_session';
const COOKIE_PREFIX = 'ags_';

export const cookieHash = (cookie: string) => createHash('sha256').update(cookie, 'utf8').digest('hex');

export class SignIns {
  constructor(
    private readonly store: SignInStore,
    private readonly ttlMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Signs `principal` in. Only an operator token (or, with auth off, the local principal) may: a
   * run token must not turn into a long-lived browser credential, and a cookie or ticket must not
   * extend itself.
   */
  async create(principal: Principal, proof: { via: string; tokenId: string | null }): Promise<{ cookie: string; signIn: SignIn }> {
    if (principal.run) throw new AppError('forbidden', 'a run token cannot sign in a browser');
    if (proof.via !== 'bearer' && proof.via !== 'none') throw new AppError('forbidden', `sign in with an operator token, not a ${proof.via}`);
    const cookie = COOKIE_PREFIX + randomBytes(32).toString('base64url');
    const created = this.now();
    const signIn: SignIn = {
      cookie_hash: cookieHash(cookie),
      principal: principal.id,
      token_id: proof.tokenId ?? 'local',
      created_at: created.toISOString(),
      expires_at: new Date(created.getTime() + this.ttlMs).toISOString(),
    };
    await this.store.save(signIn);
    return { cookie, signIn };
  }

  async find(cookie: string): Promise<SignIn | undefined> {
    if (!cookie.startsWith(COOKIE_PREFIX)) return undefined;
    return this.store.find(cookieHash(cookie), this.now());
  }

  /** Signs out the sign-in of `cookie`; returns its hash if there was one. */
  async end(cookie: string): Promise<string | undefined> {
    const hash = cookieHash(cookie);
    return (await this.store.delete(hash)) ? hash : undefined;
  }

  /** At start: a token removed while agentd was down takes its sign-ins with it, as a reload would. */
  endAllBut(tokenIds: string[]): Promise<number> {
    return this.store.keepTokens(tokenIds);
  }

  endForTokens(tokenIds: string[]): Promise<number> {
    return this.store.deleteForTokens(tokenIds);
  }

  prune(): Promise<number> {
    return this.store.prune(this.now());
  }

  get ttlSeconds(): number {
    return Math.floor(this.ttlMs / 1000);
  }
}
