/**
 * Where a write over TLS may end so that memcached cannot stall on it.
 *
 * memcached (before 1.6.39, fixed by its commit 96e05b75f) reads TLS with
 * `SSL_read`: into its 16 KiB read buffer, or, for the rest of a data block,
 * straight into the item with exactly the bytes still due. When the record
 * being read holds more than was asked for, OpenSSL keeps the rest; once
 * memcached has nothing left in its own buffer it waits for the socket to
 * become readable, not for OpenSSL, so the commands in that rest wait until
 * the client sends more bytes. With pipelined sets, the last commands of a
 * burst (often all of them) then wait for their timeout.
 *
 * Node encrypts each write as records of 16 KiB counted from the start of
 * the write. Every record but the last is followed by more bytes on the
 * socket, so only the LAST record of a write matters: it must be consumed
 * whole. It is when it starts inside the data block of the write's final
 * command (memcached then asks for exactly the rest of the write), or when
 * the command it starts in begins at most 16 KiB before the end of the write
 * (that command's unread part and everything after it fit memcached's read
 * buffer, so one `SSL_read` takes the record whole).
 */

import { Buffer } from 'node:buffer';
import type { Chunk } from '@memkit/protocol';
import type { Exchange } from '../exchanges/exchange';

/** Plaintext bytes per TLS record (OpenSSL's default maximum fragment). */
export const TLS_RECORD_SIZE = 16384;
/** memcached's read buffer (`READ_BUFFER_SIZE` in memcached 1.6). */
export const SERVER_READ_BUFFER = 16384;

/**
 * The commands of one write, in order, as their byte offsets; tells after
 * each one whether the write may end there.
 */
export class TlsWriteEnds {
  private readonly starts: number[] = [];
  private readonly datas: number[] = [];
  /** The command the last record starts in (it only moves forward as the write grows). */
  private k = 0;

  /**
   * Adds a command occupying `[start, end)` of the write whose data block
   * starts at `data` (`data === end` for a command without one). Commands
   * must be added in order and without gaps. Returns true when the write
   * may end after this command.
   */
  add(start: number, data: number, end: number): boolean {
    const starts = this.starts;
    starts.push(start);
    this.datas.push(data);
    const last = Math.floor((end - 1) / TLS_RECORD_SIZE) * TLS_RECORD_SIZE;
    const n = starts.length;
    while (this.k + 1 < n && starts[this.k + 1]! <= last) this.k++;
    const k = this.k;
    if (k === n - 1 && last >= data) return true;
    return last < this.datas[k]! && end - starts[k]! <= SERVER_READ_BUFFER;
  }
}

/** The CRLF that ends a data block: the third chunk of every command that has one. */
const CRLF = '\r\n';

const sizeOf = (chunk: Chunk | undefined): number =>
  chunk === undefined ? 0 : typeof chunk === 'string' ? Buffer.byteLength(chunk, 'utf8') : chunk.length;

/**
 * The size of a data block given as text. Measuring a long string's UTF-8
 * length costs about as much as encoding it, so the length the encoder
 * already printed in the header line is read back instead: the third token
 * of `ms <key> <bytes> …`, the fifth of `<set|add|…|cas> <key> <flags>
 * <exptime> <bytes> …`. Anything else is measured.
 */
export function dataSize(header: string, data: Chunk): number {
  if (typeof data !== 'string') return data.length;
  const token = header.startsWith('ms ') ? 2 : 4;
  let at = 0;
  for (let i = 0; i < token; i++) {
    at = header.indexOf(' ', at) + 1;
    if (at === 0) return sizeOf(data);
  }
  let n = 0;
  let i = at;
  for (; i < header.length; i++) {
    const d = header.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  const next = header.charCodeAt(i);
  // A bare number that ends the token, and one the text can have: else measure.
  if (i === at || (next !== 32 && next !== 13) || n < data.length || n > data.length * 3) return sizeOf(data);
  return n;
}

/** Where a planned write ends: before chunk `chunk` of request `item`. */
export interface TlsCut {
  item: number;
  chunk: number;
}

/**
 * Plans the next TLS write of the queued requests `items[head…]`, the head
 * one from its chunk `part`: about `budget` bytes of whole commands (at
 * least one), ending where the write may end (`TlsWriteEnds`). Requests
 * that settled before being written are passed over. A request's chunks are
 * whole commands, each a line (one string) or a header line, its data block
 * and `CRLF` (as the protocol's encoders write them). Undefined when there
 * is nothing to write.
 */
export function planTlsWrite(
  items: readonly Exchange[],
  head: number,
  part: number,
  budget: number,
): TlsCut | undefined {
  const ends = new TlsWriteEnds();
  let cut: TlsCut | undefined;
  let length = 0;
  for (let i = head; i < items.length; i++) {
    const req = items[i]!;
    if (req.settled && !req.written) continue;
    const chunks = req.chunks;
    for (let j = i === head ? part : 0; j < chunks.length; ) {
      const start = length;
      length += sizeOf(chunks[j]);
      // Where the data block starts; a command without one "starts" it at its end.
      const data = length;
      if (typeof chunks[j] === 'string' && chunks[j + 2] === CRLF) {
        length += dataSize(chunks[j] as string, chunks[j + 1]!) + 2;
        j += 3;
      } else j += 1;
      if (ends.add(start, data, length) || cut === undefined) cut = { item: i, chunk: j };
      if (length >= budget) return cut;
    }
  }
  return cut;
}
