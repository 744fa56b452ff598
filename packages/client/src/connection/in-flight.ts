/**
 * The written requests of one connection that await replies, oldest first:
 * a FIFO with a head index (no `shift()`), compacted now and then. Replies
 * always belong to the oldest one.
 */
import type { Exchange } from '../exchanges/exchange';

export class InFlight {
  private items: Array<Exchange | undefined> = [];
  private head = 0;

  /** Requests written and not finished (aborted ones still awaiting their replies count). */
  get size(): number {
    return this.items.length - this.head;
  }

  push(req: Exchange): void {
    this.items.push(req);
  }

  /** The oldest request, which the next reply belongs to. */
  first(): Exchange | undefined {
    return this.items[this.head];
  }

  /** The oldest request got its last reply. Returns true when none is left. */
  shift(): boolean {
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
      return true;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return false;
  }

  /** Empties the FIFO and rejects every request in it with `err`. */
  rejectAll(err: Error): void {
    const items = this.items;
    const head = this.head;
    this.items = [];
    this.head = 0;
    for (let i = head; i < items.length; i++) items[i]?.reject(err);
  }

  /**
   * Rejects (through `expire`) the unsettled requests whose deadline passed.
   * Returns the first of them, and the earliest deadline of the others
   * (at most `next`).
   */
  sweep(
    now: number,
    next: number,
    expire: (req: Exchange) => void,
  ): { expired: Exchange | undefined; next: number } {
    let expired: Exchange | undefined;
    for (let i = this.head; i < this.items.length; i++) {
      const req = this.items[i];
      if (!req || req.settled) continue;
      if (req.deadline <= now) {
        expire(req);
        expired ??= req;
      } else if (req.deadline < next) next = req.deadline;
    }
    return { expired, next };
  }
}
