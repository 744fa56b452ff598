/**
 * The requests of one connection that are not written yet, in order, and the
 * writing of them with back-pressure: requests leave the outbox only while
 * the socket's buffer is below its high-water mark, so a server that stops
 * reading leaves commands here (bounded by `maxQueue`) rather than as
 * ever-growing socket buffers. A FIFO with a head index (no `shift()`), and
 * a count of the requests that settled while queued (aborted, timed out), so
 * `size` is exact without scanning.
 *
 * Over TLS (`writeTls`) each write ends where memcached cannot stall on it
 * (see tls-records.ts), which may be between two commands of one request:
 * the head request is then written in parts (`part`), and its remaining
 * chunks go first whatever happens to the request meanwhile, because the
 * server is in the middle of it.
 */
import type net from 'node:net';
import type { Exchange } from '../exchanges/exchange';
import { ChunkWriter } from './chunk-writer';
import { planTlsWrite } from './tls-records';

/**
 * Smallest TLS write planned, whatever the high-water mark: the writes wait
 * for each other (see `writeTls`), so they are not bounded by it alone.
 */
const TLS_WRITE_MIN = 64 * 1024;

export class Outbox {
  private items: Exchange[] = [];
  private head = 0;
  /** Requests between `head` and the end that settled while queued. */
  private settledCount = 0;
  /** Chunks of the head request already written (TLS only; 0 when none are). */
  private part = 0;
  private readonly out = new ChunkWriter();

  /** Requests waiting to be written (settled ones and a partly written head excluded). */
  get size(): number {
    return this.items.length - this.head - this.settledCount - (this.part > 0 ? 1 : 0);
  }

  /** True while anything is left to write: a request, or the rest of a partly written one. */
  get hasWork(): boolean {
    return this.size > 0 || this.part > 0;
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
      // A partly written head is in flight already; the rest of it must still go.
      if (i === this.head && this.part > 0) {
        kept.push(req);
        continue;
      }
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
    const left = this.items.slice(this.head + (this.part > 0 ? 1 : 0)).filter((r) => !r.settled);
    this.items = [];
    this.head = 0;
    this.settledCount = 0;
    this.part = 0;
    return left;
  }

  /**
   * Writes queued requests to `socket`, in order, while its buffer is below
   * the high-water mark; `onWritten` sees each one written. Returns true
   * when requests are left (wait for 'drain').
   */
  write(socket: net.Socket, onWritten: (req: Exchange) => void): boolean {
    // Room left below the mark; strings count their UTF-16 length, close enough for a bound.
    let room = socket.writableHighWaterMark - socket.writableLength;
    const out = this.out.start(socket);
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
        out.put(chunk);
      }
    }
    out.end();
    this.advance(i);
    return this.head < this.items.length;
  }

  /**
   * `write` for a TLS socket: writes the queued requests, in order, as ONE
   * write (one `SSL_write`, which Node cuts into records from its start)
   * that ends where memcached cannot stall on it (`planTlsWrite`). `done` is
   * called once the write is handed to TLS: only then may the next one
   * start, as Node would join writes queued meanwhile into one. Returns true
   * when requests are left.
   */
  writeTls(socket: net.Socket, onWritten: (req: Exchange) => void, done: () => void): boolean {
    const budget = Math.max(socket.writableHighWaterMark - socket.writableLength, TLS_WRITE_MIN);
    const cut = planTlsWrite(this.items, this.head, this.part, budget);
    if (cut === undefined) {
      // Everything left had settled before being written.
      this.settledCount = 0;
      this.advance(this.items.length);
      return false;
    }
    const out = this.out.start(socket);
    for (let i = this.head; i <= cut.item; i++) {
      const req = this.items[i]!;
      if (req.settled && !req.written) {
        this.settledCount--;
        continue;
      }
      if (!req.written) {
        req.written = true;
        onWritten(req);
      }
      const to = i === cut.item ? cut.chunk : req.chunks.length;
      for (let j = i === this.head ? this.part : 0; j < to; j++) out.put(req.chunks[j]!);
    }
    out.end(done);
    const whole = cut.chunk === this.items[cut.item]!.chunks.length;
    this.part = whole ? 0 : cut.chunk;
    this.advance(whole ? cut.item + 1 : cut.item);
    return this.head < this.items.length;
  }

  private advance(to: number): void {
    this.head = to;
    if (this.head === this.items.length) {
      // Emptied: keep the array (and its storage) for the next requests.
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
