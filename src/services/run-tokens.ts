import { randomBytes } from 'node:crypto';
import type { Principal } from '../domain/principal.js';
import type { Store } from '../store/store.js';
import { hashToken } from '../store/sqlite/delegation.js';

export const RUN_TOKEN_PREFIX = 'agt_';

/**
 * Tokens minted for one run's agent process (`AGENTD_TOKEN`). Only the SHA-256 is stored. A token
 * acts as the session tree's owner, limited to that tree, and only while its run is running.
 */
export class RunTokens {
  constructor(private readonly store: Store) {}

  async mint(runId: string): Promise<string> {
    const token = RUN_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    await this.store.saveRunToken(runId, hashToken(token));
    return token;
  }

  /** Whether a run token's run still runs: what it opened (streams, tickets) lives only that long. */
  async isRunning(runId: string): Promise<boolean> {
    return (await this.store.getRun(runId))?.state === 'running';
  }

  /** The token's principal; `expired` once its run has ended; undefined for an unknown token. */
  async verify(token: string): Promise<Principal | 'expired' | undefined> {
    if (!token.startsWith(RUN_TOKEN_PREFIX)) return undefined;
    const runId = await this.store.runIdForToken(hashToken(token));
    if (!runId) return undefined;
    const run = await this.store.getRun(runId);
    if (!run || run.state !== 'running') return 'expired';
    const session = (await this.store.getSession(run.session_id))!;
    return { id: session.owner, kind: 'run', run: { runId: run.id, sessionId: session.id, rootSessionId: session.root_session_id } };
  }
}
