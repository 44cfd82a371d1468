import { describe, expect, it } from 'vitest';
import { StreamTickets } from '../../../src/gateway/streams/tickets.js';

describe('stream tickets', () => {
  const principal = { id: 'op_1', kind: 'operator' as const };

  it('are single-use', () => {
    const tickets = new StreamTickets(60_000);
    const { ticket } = tickets.issue(principal);
    expect(tickets.consume(ticket)).toEqual(principal);
    expect(tickets.consume(ticket)).toBeUndefined();
    expect(tickets.consume('tkt_unknown')).toBeUndefined();
  });

  it('expire after their lifetime', () => {
    let now = 1_000;
    const tickets = new StreamTickets(60_000, () => now);
    const { ticket, expires_at } = tickets.issue(principal);
    expect(expires_at).toBe(new Date(61_000).toISOString());
    now = 61_000;
    expect(tickets.consume(ticket)).toBeUndefined();
  });
});
