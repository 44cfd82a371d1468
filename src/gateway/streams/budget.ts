/**
 * The unread bytes of all streams together. Each stream is cut off past its own limit; this adds a
 * limit for all of them at once, so a thousand clients that each stay under their own limit still
 * cannot make the daemon hold a thousand times it.
 *
 * Streams report their unread bytes whenever they write, so the running total is cheap but may be
 * stale (a stream that drained since its last write still counts what it had). When it crosses the
 * limit the total is recounted exactly; only if it is really over are the streams furthest behind
 * cut off, the largest first, until the total is back under three quarters of the limit.
 */
export interface BudgetMember {
  /** Unread bytes now. */
  buffered(): number;
  /** Cut off to free memory: the client resumes from its cursor. */
  evict(): void;
}

export class StreamBudget {
  private readonly members = new Map<BudgetMember, number>();
  private total = 0;

  constructor(readonly limitBytes: number) {}

  add(member: BudgetMember): void {
    this.members.set(member, 0);
  }

  remove(member: BudgetMember): void {
    this.total -= this.members.get(member) ?? 0;
    this.members.delete(member);
  }

  /** Records `member`'s unread bytes after a write; evicts the furthest behind if all are over the limit. */
  note(member: BudgetMember, bytes: number): void {
    const before = this.members.get(member);
    if (before === undefined) return;
    this.members.set(member, bytes);
    this.total += bytes - before;
    if (this.total > this.limitBytes) this.rebalance();
  }

  /** Unread bytes of all streams as last reported. */
  get unreadBytes(): number {
    return this.total;
  }

  private rebalance(): void {
    let exact = 0;
    for (const member of this.members.keys()) {
      const bytes = member.buffered();
      this.members.set(member, bytes);
      exact += bytes;
    }
    this.total = exact;
    if (exact <= this.limitBytes) return;
    const target = Math.floor(this.limitBytes * 0.75);
    const byUnread = [...this.members].sort((a, b) => b[1] - a[1]);
    for (const [member, bytes] of byUnread) {
      if (this.total <= target || bytes === 0) break;
      // evict() ends the stream, which removes it (and its bytes) from the budget.
      member.evict();
      this.remove(member);
    }
  }
}
