/**
 * The requests of one connection that are not written yet, in order, and the
 * writing of them with back-pressure: requests leave the outbox only while
 * the socket's buffer is below its high-water mark, so a server that stops
 * reading leaves commands here (bounded by `maxQueue`) rather than as
 * ever-growing socket buffers. A FIFO with a head index (no `shift()`), and
 * a count of the requests that settled while queued (aborted, timed out), so
 * `size` is exact without scanning.
 */
import type net from 'node:net';
import type { Exchange } from '../exchanges/exchange';

export class Outbox {
  private items: Exchange[] = [];
  private head = 0;
  /** Requests between `head` and the end that settled while queued. */
  private settledCount = 0;

  /** Requests waiting to be written (settled ones excluded). */
  get size(): number {
    return this.items.length - this.head - this.settledCount;
  }

  push(req: Exchange): void {
    this.items.push(req);
  }

  /** A queued request settled (abort): it will be skipped, and no longer counts. */
  noteSettled(): void {
    this.settledCount++;
  }

  /**
   * Rejects the queued requests whose deadline passed (via `expire`), drops
   * every settled one, and returns the earliest deadline left.
   */
  sweep(now: number, expire: (req: Exchange) => void): number {
    let next = Number.POSITIVE_INFINITY;
    const kept: Exchange[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const req = this.items[i]!;
      if (req.settled) continue;
      if (req.deadline <= now) {
        expire(req);
        continue;
      }
      if (req.deadline < next) next = req.deadline;
      kept.push(req);
    }
    this.items = kept;
    this.head = 0;
    this.settledCount = 0;
    return next;
  }

  /** Empties the outbox; returns the requests that are still waiting. */
  drain(): Exchange[] {
    const left = this.items.slice(this.head).filter((r) => !r.settled);
    this.items = [];
    this.head = 0;
    this.settledCount = 0;
    return left;
  }

  /**
   * Writes queued requests to `socket`, in order, while its buffer is below
   * the high-water mark; `onWritten` sees each one written. Strings of
   * consecutive requests are joined into one write; binary chunks (values)
   * go as they are, corked with the rest. Returns true when requests are
   * left (wait for 'drain').
   */
  write(socket: net.Socket, onWritten: (req: Exchange) => void): boolean {
    // Room left below the mark; strings count their UTF-16 length, close enough for a bound.
    let room = socket.writableHighWaterMark - socket.writableLength;
    let text = '';
    let corked = false;
    let i = this.head;
    for (; i < this.items.length; i++) {
      const req = this.items[i]!;
      if (req.settled) {
        this.settledCount--;
        continue;
      }
      // The first request always goes, so one larger than the mark cannot stall the queue.
      if (room <= 0 && i > this.head) break;
      req.written = true;
      onWritten(req);
      for (const chunk of req.chunks) {
        room -= chunk.length;
        if (typeof chunk === 'string') {
          text += chunk;
          continue;
        }
        if (!corked) {
          socket.cork();
          corked = true;
        }
        if (text) {
          socket.write(text);
          text = '';
        }
        socket.write(chunk);
      }
    }
    if (text) socket.write(text);
    if (corked) socket.uncork();
    this.advance(i);
    return this.head < this.items.length;
  }

  private advance(to: number): void {
    this.head = to;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
