import { createHash, randomBytes } from 'node:crypto';
import type { Principal } from '../../domain/principal.js';

const hash = (ticket: string) => createHash('sha256').update(ticket).digest('hex');

/**
 * Short-lived, single-use stream tickets for browsers, which cannot set headers on WebSocket or
 * EventSource. A ticket stands for the principal that asked for it, is consumed by its first use,
 * and expires after `ttlMs`; only its hash is held, in memory (a restart voids them all).
 */
export class StreamTickets<Grant = Principal> {
  private readonly tickets = new Map<string, { grant: Grant; expiresAt: number }>();

  constructor(private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  issue(grant: Grant): { ticket: string; expires_at: string } {
    this.sweep();
    const ticket = `tkt_${randomBytes(24).toString('base64url')}`;
    const expiresAt = this.now() + this.ttlMs;
    this.tickets.set(hash(ticket), { grant, expiresAt });
    return { ticket, expires_at: new Date(expiresAt).toISOString() };
  }

  /** What the ticket was issued for (who asked, and with what), once; undefined if unknown, used or expired. */
  consume(ticket: string): Grant | undefined {
    const key = hash(ticket);
    const entry = this.tickets.get(key);
    this.tickets.delete(key);
    if (!entry || entry.expiresAt <= this.now()) return undefined;
    return entry.grant;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.tickets) if (entry.expiresAt <= now) this.tickets.delete(key);
  }
}
