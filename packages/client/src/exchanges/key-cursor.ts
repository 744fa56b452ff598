/**
 * Finds which requested key a text `VALUE` reply is for. memcached answers a
 * `get k1 k2 …` in the order of the keys (skipping misses), so the search
 * starts just after the previous match and costs one comparison per hit;
 * any other order (a proxy may reorder) is still accepted. A key that was
 * not asked for is -1: the caller treats the stream as out of sync.
 */
import type { Buffer } from 'node:buffer';

export class KeyCursor {
  private next = 0;

  /** @param wires the keys exactly as written on the command lines, in order. */
  constructor(private readonly wires: readonly string[]) {}

  /** Index of the key whose UTF-8 bytes are `buf[start, end)`, or -1. No allocation for ASCII keys. */
  matchBytes(buf: Buffer, start: number, end: number): number {
    const wires = this.wires;
    const n = wires.length;
    const len = end - start;
    let i = this.next;
    for (let step = 0; step < n; step++) {
      const w = wires[i]!;
      if (w.length === len && sameAscii(w, buf, start)) return this.found(i);
      i = i + 1 === n ? 0 : i + 1;
    }
    // Not an ASCII key we sent: compare as text (keys may be any UTF-8).
    return this.matchString(buf.toString('utf8', start, end));
  }

  /** Index of `key`, or -1. */
  matchString(key: string): number {
    const wires = this.wires;
    const n = wires.length;
    let i = this.next;
    for (let step = 0; step < n; step++) {
      if (wires[i] === key) return this.found(i);
      i = i + 1 === n ? 0 : i + 1;
    }
    return -1;
  }

  private found(i: number): number {
    this.next = i + 1 === this.wires.length ? 0 : i + 1;
    return i;
  }
}

/** Whether the ASCII string `s` equals the bytes at `buf[start…]` (a non-ASCII `s` never does). */
function sameAscii(s: string, buf: Buffer, start: number): boolean {
  for (let j = 0; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c !== buf[start + j] || c >= 0x80) return false;
  }
  return true;
}
