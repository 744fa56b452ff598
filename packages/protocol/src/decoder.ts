/**
 * The incremental reply decoder: bytes read from a memcached connection in,
 * `Reply` items out. It owns framing (CRLF lines, length-prefixed data blocks,
 * replies split across chunks) and its bounds; `decode-line.ts` owns what
 * each line means.
 *
 * Zero-copy: a data block that arrives inside one chunk is returned as a view
 * of that chunk; only a block that spans chunks is copied, once, into a buffer
 * of its exact size (or not at all, when the reader reads the rest of it
 * straight into that buffer: `blockTarget`). A partial line is kept as a view
 * too and only joined with the next chunk's first line. The decoder
 * therefore holds on to the chunks it was given: do not reuse or mutate them
 * after `feed`.
 *
 * Lines must end with CRLF: a bare LF means the stream is out of sync and is
 * a protocol error. The one exception is `lru_crawler metadump` lines
 * (`key=…`), which memcached 1.6 ends with a bare LF.
 */
import { Buffer } from 'node:buffer';
import {
  isMetadump,
  isValueLine,
  type LineFrame,
  parseLine,
  parseValueHeader,
  valueReplyOf,
} from './decode-line';
import { MemkitError, ProtocolError } from './errors';
import { describeBytes } from './preview';
import type { ConfigReply, DecoderLimits, MetaValueReply, Reply, ValueReply, ValueView } from './replies';

/** Default `maxLineLength`: longest reply line, data blocks excluded. */
export const DEFAULT_MAX_LINE_LENGTH = 8192;

/** Default `maxValueLength`: largest data block (128 MiB, memcached's `-I` ceiling is 1 GiB but 1 MiB by default). */
export const DEFAULT_MAX_VALUE_LENGTH = 128 * 1024 * 1024;

const LF = 0x0a;
const EMPTY_CHUNK = Buffer.alloc(0);
const CR = 0x0d;

/** Waiting for a line (possibly with a partial one in `tail`). */
const STATE_LINE = 0;
/** Copying a data block that spans chunks into `block`. */
const STATE_BLOCK = 1;
/** The data block is complete in `blockValue`; waiting for its CRLF. */
const STATE_CRLF = 2;

type BlockReply = ValueReply | MetaValueReply | ConfigReply;

function toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function checkLimit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new MemkitError('ERR_INVALID_ARGUMENT', `${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Turns the byte stream of one memcached connection into `Reply` items, in
 * order. Feed it every chunk read from the socket. After a `ProtocolError`
 * the decoder is poisoned: the stream position is lost, so every later call
 * throws the same error and the connection must be destroyed.
 */
export class ReplyDecoder {
  private readonly maxLineLength: number;
  private readonly frame: LineFrame;
  private state = STATE_LINE;
  /** Unterminated start of the next line (a view of the last chunk, or a joined copy). */
  private tail: Buffer | null = null;
  /** The VALUE/VA reply whose data block is being received. */
  private pending: BlockReply | null = null;
  /** Copy target of a data block that spans chunks. */
  private block: Buffer | null = null;
  private blockFilled = 0;
  /** The complete data block while its CRLF is still outstanding. */
  private blockValue: Buffer | null = null;
  /** How many bytes of the CRLF after a data block have been seen (0 or 1). */
  private crlfSeen = 0;
  private error: unknown = null;
  /** The one `ValueView` handed to `onValue` callbacks. */
  private readonly view: ValueView = {
    buf: EMPTY_CHUNK,
    keyStart: 0,
    keyEnd: 0,
    flags: 0,
    start: 0,
    end: 0,
    cas: undefined,
  };

  /** @param limits bounds on line length and data block size; see `DecoderLimits`. */
  constructor(limits: DecoderLimits = {}) {
    this.maxLineLength = checkLimit(limits.maxLineLength, DEFAULT_MAX_LINE_LENGTH, 'maxLineLength');
    this.frame = {
      size: -1,
      maxValueLength: checkLimit(limits.maxValueLength, DEFAULT_MAX_VALUE_LENGTH, 'maxValueLength'),
    };
  }

  /** Bytes received but not yet yielded as part of a reply (partial line or data block). */
  get bufferedBytes(): number {
    let n = this.tail === null ? 0 : this.tail.length;
    if (this.state === STATE_BLOCK) n += this.blockFilled;
    else if (this.state === STATE_CRLF) n += this.blockValue!.length + this.crlfSeen;
    return n;
  }

  /**
   * Bytes of the data block being received that have not arrived yet: 0
   * unless a `VALUE`/`VA` data block spans chunks and is still incomplete.
   */
  get blockRemaining(): number {
    return this.state === STATE_BLOCK ? this.block!.length - this.blockFilled : 0;
  }

  /**
   * The unfilled part of the buffer that the data block being received will
   * be returned in, or undefined when no block is incomplete (see
   * `blockRemaining`). A reader that reads the next bytes of the stream
   * straight into it and feeds the part it filled (`target.subarray(0, n)`)
   * saves copying them: the value is then the only copy of its bytes. Any
   * other chunk is copied into the block as usual. Valid until the next
   * `feed`.
   */
  blockTarget(): Buffer | undefined {
    return this.state === STATE_BLOCK ? this.block!.subarray(this.blockFilled) : undefined;
  }

  /** Drops every buffered byte and a poisoned state: for reuse on a new connection only. */
  reset(): void {
    this.state = STATE_LINE;
    this.tail = null;
    this.pending = null;
    this.block = null;
    this.blockFilled = 0;
    this.blockValue = null;
    this.crlfSeen = 0;
    this.error = null;
  }

  /**
   * Decodes `chunk` and returns the replies it completed. On a protocol error
   * it throws, and the replies completed earlier in the same chunk are lost
   * with the connection; use `feed` to receive them as they complete.
   */
  push(chunk: Uint8Array): Reply[] {
    const out: Reply[] = [];
    this.feed(chunk, (r) => out.push(r));
    return out;
  }

  /**
   * Decodes `chunk`, calling `onReply` for each reply it completes, in order.
   * Throws `ProtocolError` (`ERR_PROTOCOL`) on bytes that are not a valid
   * memcached reply or exceed the limits. If a callback throws, the error
   * propagates and the decoder is poisoned too (the rest of the chunk is lost).
   *
   * With `onValue`, a `VALUE` reply whose header and data block are both
   * inside `chunk` goes to `onValue` as a `ValueView` (no key string, no
   * value view allocated) instead of to `onReply`; a `VALUE` that spans
   * chunks still arrives at `onReply` as a `ValueReply`. The order of all
   * replies is kept. This is the fast path of large multi-gets.
   */
  feed(chunk: Uint8Array, onReply: (reply: Reply) => void, onValue?: (view: ValueView) => void): void {
    if (this.error !== null) throw this.error;
    try {
      this.decode(toBuffer(chunk), onReply, onValue);
    } catch (err) {
      this.error =
        err instanceof ProtocolError
          ? err
          : new ProtocolError('the reply handler threw; the stream position is lost', { cause: err });
      throw err;
    }
  }

  private decode(
    chunk: Buffer,
    onReply: (reply: Reply) => void,
    onValue: ((view: ValueView) => void) | undefined,
  ): void {
    const end = chunk.length;
    let pos = 0;
    if (this.state !== STATE_LINE || this.tail !== null) {
      pos = this.resume(chunk, onReply);
      if (pos >= end) return;
    }
    const frame = this.frame;
    const maxLine = this.maxLineLength;
    while (pos < end) {
      // A line may be at most maxLine bytes plus CRLF; do not scan further.
      const limit = end - pos > maxLine + 2 ? pos + maxLine + 2 : end;
      let lf = pos;
      while (lf < limit && chunk[lf] !== LF) lf++;
      if (lf === limit) {
        if (limit !== end) this.lineTooLong();
        this.tail = chunk.subarray(pos);
        return;
      }
      let lineEnd = lf - 1;
      if (lf === pos || chunk[lineEnd] !== CR) {
        if (!isMetadump(chunk, pos, lf)) this.bareLf(chunk, pos, lf);
        lineEnd = lf;
      }
      if (onValue !== undefined && isValueLine(chunk, pos, lineEnd)) {
        pos = this.valueInPlace(chunk, pos, lineEnd, lf + 1, onValue);
        if (pos < 0) return;
        continue;
      }
      const reply = parseLine(chunk, pos, lineEnd, frame);
      pos = lf + 1;
      const size = frame.size;
      if (size < 0) {
        onReply(reply);
        continue;
      }
      const blockEnd = pos + size;
      if (blockEnd + 2 <= end) {
        this.checkBlockEnd(chunk, blockEnd);
        (reply as BlockReply).value = chunk.subarray(pos, blockEnd);
        pos = blockEnd + 2;
        onReply(reply);
        continue;
      }
      this.startBlock(reply as BlockReply, size, chunk, pos);
      return;
    }
  }

  /**
   * The `VALUE` line `chunk[start, lineEnd)` whose data block starts at
   * `data`: reported through `onValue` when the block and its CRLF are in
   * this chunk (returns where parsing resumes), else started as a block that
   * spans chunks (returns -1).
   */
  private valueInPlace(
    chunk: Buffer,
    start: number,
    lineEnd: number,
    data: number,
    onValue: (view: ValueView) => void,
  ): number {
    const view = this.view;
    parseValueHeader(chunk, start, lineEnd, this.frame, view);
    const size = this.frame.size;
    const blockEnd = data + size;
    if (blockEnd + 2 > chunk.length) {
      this.startBlock(valueReplyOf(chunk, view), size, chunk, data);
      return -1;
    }
    this.checkBlockEnd(chunk, blockEnd);
    view.buf = chunk;
    view.start = data;
    view.end = blockEnd;
    onValue(view);
    view.buf = EMPTY_CHUNK; // do not pin the chunk after the callback
    return blockEnd + 2;
  }

  /** Finishes what the previous chunks left open; returns where line parsing resumes. */
  private resume(chunk: Buffer, onReply: (reply: Reply) => void): number {
    const end = chunk.length;
    let pos = 0;
    if (this.tail !== null) {
      const tail = this.tail;
      const room = this.maxLineLength + 2 - tail.length;
      const limit = Math.min(end, room);
      let lf = 0;
      while (lf < limit && chunk[lf] !== LF) lf++;
      if (lf === limit) {
        if (limit !== end) this.lineTooLong();
        this.tail = Buffer.concat([tail, chunk]);
        return end;
      }
      const line = Buffer.concat([tail, chunk.subarray(0, lf + 1)]);
      this.tail = null;
      let lineEnd = line.length - 2;
      if (line[lineEnd] !== CR) {
        if (!isMetadump(line, 0, lineEnd + 1)) this.bareLf(line, 0, lineEnd + 1);
        lineEnd++;
      }
      const reply = parseLine(line, 0, lineEnd, this.frame);
      pos = lf + 1;
      const size = this.frame.size;
      if (size < 0) {
        onReply(reply);
        return pos;
      }
      const blockEnd = pos + size;
      if (blockEnd + 2 > end) {
        this.startBlock(reply as BlockReply, size, chunk, pos);
        return end;
      }
      this.checkBlockEnd(chunk, blockEnd);
      (reply as BlockReply).value = chunk.subarray(pos, blockEnd);
      onReply(reply);
      return blockEnd + 2;
    }
    if (this.state === STATE_BLOCK) {
      const block = this.block!;
      const n = Math.min(block.length - this.blockFilled, end);
      // A chunk read straight into the block (`blockTarget`) is already in place.
      const inPlace =
        chunk.buffer === block.buffer && chunk.byteOffset === block.byteOffset + this.blockFilled;
      if (!inPlace) chunk.copy(block, this.blockFilled, 0, n);
      this.blockFilled += n;
      pos = n;
      if (this.blockFilled < block.length) return end;
      this.block = null;
      this.blockValue = block;
      this.crlfSeen = 0;
      this.state = STATE_CRLF;
    }
    // STATE_CRLF
    while (this.crlfSeen < 2 && pos < end) {
      if (chunk[pos] !== (this.crlfSeen === 0 ? CR : LF)) this.badBlockEnd();
      this.crlfSeen++;
      pos++;
    }
    if (this.crlfSeen < 2) return end;
    const reply = this.pending!;
    reply.value = this.blockValue!;
    this.pending = null;
    this.blockValue = null;
    this.state = STATE_LINE;
    onReply(reply);
    return pos;
  }

  /** A data block starting at `pos` runs past the end of `chunk`. */
  private startBlock(reply: BlockReply, size: number, chunk: Buffer, pos: number): void {
    const avail = chunk.length - pos;
    this.pending = reply;
    if (avail >= size) {
      // The data is all here, only (part of) its CRLF is missing: keep the view.
      this.blockValue = chunk.subarray(pos, pos + size);
      this.crlfSeen = 0;
      if (avail > size) {
        if (chunk[pos + size] !== CR) this.badBlockEnd();
        this.crlfSeen = 1;
      }
      this.state = STATE_CRLF;
      return;
    }
    const block = Buffer.allocUnsafe(size);
    chunk.copy(block, 0, pos);
    this.block = block;
    this.blockFilled = avail;
    this.state = STATE_BLOCK;
  }

  private lineTooLong(): never {
    throw new ProtocolError(`reply line longer than maxLineLength (${this.maxLineLength} bytes)`);
  }

  private bareLf(buf: Buffer, start: number, end: number): never {
    throw new ProtocolError(`reply line ${describeBytes(buf, start, end)} ends with a bare LF, not CRLF`);
  }

  /** The two bytes at `at` must be the CRLF that ends a data block. */
  private checkBlockEnd(chunk: Buffer, at: number): void {
    if (chunk[at] !== CR || chunk[at + 1] !== LF) this.badBlockEnd();
  }

  private badBlockEnd(): never {
    throw new ProtocolError('data block not followed by CRLF');
  }
}

/** The `ValueReply` a `ValueView` stands for: the key as a string, the value as a view of `view.buf`. */
export function valueReplyOfView(view: ValueView): ValueReply {
  const reply = valueReplyOf(view.buf, view);
  reply.value = view.buf.subarray(view.start, view.end);
  return reply;
}
