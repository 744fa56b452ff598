/**
 * A decoder for replies memkit does not know the shape of: every line is a
 * `LineReply`, except error lines (`ERROR`, `CLIENT_ERROR …`,
 * `SERVER_ERROR …`, lru_crawler refusals), which come out as the same error
 * replies `ReplyDecoder` yields, so callers map them in one place. Lines may
 * end with CRLF or a bare LF (memcached ends `lru_crawler metadump` lines
 * with LF alone). Data blocks are not framed: a value in such a reply is
 * read as lines too. Bounded like `ReplyDecoder`: a line longer than
 * `maxLineLength` is a protocol error, and the decoder is poisoned after one.
 */
import { Buffer } from 'node:buffer';
import { parseErrorLine } from './decode-line';
import { DEFAULT_MAX_LINE_LENGTH } from './decoder';
import { MemkitError, ProtocolError } from './errors';
import type { Reply } from './replies';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Turns the byte stream of one connection into `LineReply` items (and error
 * replies), in order. Feed it every chunk read from the socket; after a
 * `ProtocolError` it is poisoned and the connection must be destroyed.
 */
export class LineDecoder {
  private readonly maxLineLength: number;
  /** Start of an unterminated line (a copy, so later chunks may be reused). */
  private tail: Buffer | undefined;
  private poisoned: ProtocolError | undefined;

  constructor(limits: { maxLineLength?: number } = {}) {
    const max = limits.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new MemkitError(
        'ERR_INVALID_ARGUMENT',
        `maxLineLength must be a positive integer, got ${String(max)}`,
      );
    }
    this.maxLineLength = max;
  }

  /** Consumes `chunk`, calling `onReply` for every complete line, in order. */
  feed(chunk: Uint8Array, onReply: (reply: Reply) => void): void {
    if (this.poisoned) throw this.poisoned;
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.tail) {
      buf = Buffer.concat([this.tail, buf]);
      this.tail = undefined;
    }
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(LF, start);
      if (nl === -1) break;
      const end = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
      this.check(end - start);
      onReply(parseErrorLine(buf, start, end) ?? { type: 'LINE', line: buf.toString('utf8', start, end) });
      start = nl + 1;
    }
    if (start < buf.length) {
      // A CR may still be followed by its LF: allow one byte over the limit for it.
      this.check(buf.length - start - (buf[buf.length - 1] === CR ? 1 : 0));
      this.tail = Buffer.from(buf.subarray(start));
    }
  }

  private check(length: number): void {
    if (length <= this.maxLineLength) return;
    this.poisoned = new ProtocolError(`reply line longer than maxLineLength (${this.maxLineLength} bytes)`);
    throw this.poisoned;
  }
}
