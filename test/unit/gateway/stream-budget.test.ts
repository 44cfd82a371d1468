import { describe, expect, it } from 'vitest';
import { StreamBudget } from '../../../src/gateway/streams/budget.js';

/** A stream whose unread bytes the test sets; evict() records the cut. */
function member(budget: StreamBudget, unread: number) {
  const m = {
    unread,
    evicted: false,
    buffered: () => m.unread,
    evict: () => {
      m.evicted = true;
      budget.remove(m);
    },
  };
  budget.add(m);
  return m;
}

describe('stream budget', () => {
  it('under the limit nobody is cut off', () => {
    const budget = new StreamBudget(1000);
    const streams = [300, 300, 300].map((n) => member(budget, n));
    for (const s of streams) budget.note(s, s.unread);
    expect(streams.some((s) => s.evicted)).toBe(false);
    expect(budget.unreadBytes).toBe(900);
  });

  it('over the limit the streams furthest behind are cut off, largest first, until three quarters remain', () => {
    const budget = new StreamBudget(1000);
    const [small, mid, big, reader] = [100, 300, 500, 0].map((n) => member(budget, n));
    for (const s of [small, mid, big, reader]) budget.note(s!, s!.unread);
    mid!.unread = 400;
    budget.note(mid!, 400);
    // 100 + 400 + 500 = 1000: at the limit, not over.
    expect([small, mid, big].map((s) => s!.evicted)).toEqual([false, false, false]);
    small!.unread = 150;
    budget.note(small!, 150);
    expect(big!.evicted).toBe(true);
    expect(mid!.evicted).toBe(false);
    expect(budget.unreadBytes).toBe(550);
    // A stream that reads everything is never cut off for the others.
    expect(reader!.evicted).toBe(false);
  });

  it('a stale report is recounted before anyone is cut off', () => {
    const budget = new StreamBudget(1000);
    const a = member(budget, 600);
    const b = member(budget, 0);
    budget.note(a, 600);
    // a drained without writing again, so its report is stale; b's write crosses the stale total.
    a.unread = 0;
    b.unread = 500;
    budget.note(b, 500);
    expect(a.evicted || b.evicted).toBe(false);
    expect(budget.unreadBytes).toBe(500);
  });
});
