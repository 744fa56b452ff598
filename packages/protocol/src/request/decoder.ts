/**
 * `RequestDecoder`: the server side of the text/meta protocol. Feed it the
 * bytes a client sent, in chunks of any size; it yields one typed request per
 * command, with data blocks as zero-copy views when they arrived in one
 * chunk. A partial line is kept as a list of pieces (joined once its newline
 * arrives), a data block spanning chunks is copied once into a buffer of its
 * exact size, and everything is bounded: a runaway line throws a
 * `ProtocolError`, a too-large data block is skipped without being stored.
 */
import { Buffer } from 'node:buffer';
import { ProtocolError } from '../errors';
import { parseMetaCommand } from './meta-commands';
import { BAD_DATA_CHUNK, type LineOutcome, type PendingHeader } from './outcome';
import { parseTextCommand } from './text-commands';
import { tokenize } from './tokenize';
import type { Request, RequestDecoderLimits } from './types';

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
/** memcached lets a big multiget line through only if it starts within this many spaces. */
const MAX_LEADING_SPACES = 100;

const DEFAULT_MAX_LINE = 2048;
const DEFAULT_MAX_VALUE = 1024 * 1024;
const DEFAULT_MAX_MULTIGET = 1024 * 1024;

/**
 * Incremental, bounded parser of memcached requests (text and meta
 * protocol), matching memcached 1.6.18's parsing rules and error replies.
 *
 * After `feed` throws (only `ProtocolError`, for a line beyond the limits),
 * the stream is unrecoverable: close the connection and drop the decoder.
 */
export class RequestDecoder {
  readonly #maxLine: number;
  readonly #maxValue: number;
  readonly #maxMultiget: number;
  readonly #meta: boolean;

  /** Pieces of a command line whose newline has not arrived yet. */
  #linePieces: Buffer[] = [];
  #lineLength = 0;

  /** Header of the storage command whose data block is being read. */
  #header: PendingHeader | undefined;
  /** Data block + CRLF being assembled across chunks. */
  #block: Buffer | undefined;
  #blockFilled = 0;
  #blockNeed = 0;

  /** Bytes still to discard after a refused storage command. */
  #swallow = 0;

  constructor(limits: RequestDecoderLimits = {}) {
    this.#maxLine = limits.maxLineLength ?? DEFAULT_MAX_LINE;
    this.#maxValue = limits.maxValueLength ?? DEFAULT_MAX_VALUE;
    this.#maxMultiget = limits.maxMultigetLength ?? DEFAULT_MAX_MULTIGET;
    this.#meta = limits.meta ?? true;
  }

  /** Whether a command is partially received (a line, a data block or bytes to skip). */
  get pending(): boolean {
    return this.#lineLength > 0 || this.#header !== undefined || this.#swallow > 0;
  }

  /** Consumes `chunk`, calling `onRequest` for each complete request, in order. */
  feed(chunk: Uint8Array, onRequest: (request: Request) => void): void {
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let off = 0;
    while (off < buf.length) {
      if (this.#swallow > 0) {
        const n = Math.min(this.#swallow, buf.length - off);
        this.#swallow -= n;
        off += n;
        continue;
      }
      if (this.#header !== undefined) {
        off = this.#readBlock(buf, off, onRequest);
        continue;
      }
      const nl = buf.indexOf(LF, off);
      if (nl === -1) {
        this.#stash(buf.subarray(off));
        break;
      }
      let line: Buffer;
      if (this.#lineLength > 0) {
        this.#linePieces.push(buf.subarray(off, nl));
        line = Buffer.concat(this.#linePieces, this.#lineLength + (nl - off));
        this.#linePieces = [];
        this.#lineLength = 0;
      } else {
        line = buf.subarray(off, nl);
      }
      off = nl + 1;
      this.#onLine(line, onRequest);
    }
    if (this.#lineLength > this.#maxLine) this.#checkLongLine();
  }

  #stash(piece: Buffer): void {
    if (piece.length === 0) return;
    // Copy: the caller may reuse its chunk, and a view would pin the whole chunk.
    this.#linePieces.push(Buffer.from(piece));
    this.#lineLength += piece.length;
  }

  /** memcached closes a connection whose unterminated line passed 2048 bytes, unless it is a multiget. */
  #checkLongLine(): void {
    const head = Buffer.concat(this.#linePieces, Math.min(this.#lineLength, MAX_LEADING_SPACES + 8));
    let i = 0;
    while (i < head.length && head[i] === SPACE) i++;
    const rest = head.subarray(i).toString('latin1');
    const multiget = i <= MAX_LEADING_SPACES && (rest.startsWith('get ') || rest.startsWith('gets '));
    if (!multiget) {
      throw new ProtocolError(`request line longer than ${this.#maxLine} bytes without a newline`);
    }
    if (this.#lineLength > this.#maxMultiget) {
      throw new ProtocolError(`multiget line longer than ${this.#maxMultiget} bytes`);
    }
  }

  #onLine(raw: Buffer, onRequest: (request: Request) => void): void {
    let end = raw.length;
    if (end > 1 && raw[end - 1] === CR) end--;
    // memcached handles the line as a C string: a NUL byte ends it.
    const nul = raw.indexOf(0);
    if (nul !== -1 && nul < end) end = nul;
    const outcome = parseLine(raw.toString('latin1', 0, end), this.#maxValue, this.#meta);
    switch (outcome.kind) {
      case 'request':
        onRequest(outcome.request);
        return;
      case 'swallow':
        this.#swallow = outcome.bytes;
        onRequest(outcome.request);
        return;
      case 'data':
        this.#header = outcome.header;
        this.#blockNeed = outcome.bytes + 2;
        this.#blockFilled = 0;
        return;
    }
  }

  #readBlock(buf: Buffer, off: number, onRequest: (request: Request) => void): number {
    const need = this.#blockNeed;
    if (this.#block === undefined && buf.length - off >= need) {
      this.#finishBlock(buf.subarray(off, off + need), onRequest);
      return off + need;
    }
    if (this.#block === undefined) this.#block = Buffer.allocUnsafe(need);
    const n = Math.min(need - this.#blockFilled, buf.length - off);
    buf.copy(this.#block, this.#blockFilled, off, off + n);
    this.#blockFilled += n;
    if (this.#blockFilled === need) {
      const block = this.#block;
      this.#block = undefined;
      this.#finishBlock(block, onRequest);
    }
    return off + n;
  }

  #finishBlock(block: Buffer, onRequest: (request: Request) => void): void {
    const header = this.#header!;
    this.#header = undefined;
    const bytes = block.length - 2;
    // Like memcached, only the two bytes after the data decide; the rest of a
    // wrong-length block is parsed as the next command.
    if (block[bytes] !== CR || block[bytes + 1] !== LF) {
      const noreply = header.type === 'storage' ? header.noreply : false;
      onRequest({ type: 'bad', message: BAD_DATA_CHUNK, noreply });
      return;
    }
    onRequest({ ...header, value: block.subarray(0, bytes) } as Request);
  }
}

/**
 * Parses one command line (without its line terminator), as memcached 1.6.18
 * would; without `meta`, as a server without the meta protocol would.
 */
export function parseLine(line: string, maxValueLength: number, meta = true): LineOutcome {
  const t = tokenize(line);
  const name = t.all[0];
  if (name === undefined || name.length < 2) {
    return { kind: 'request', request: { type: 'bad', message: 'ERROR', noreply: false } };
  }
  if (meta && name.length === 2 && name[0] === 'm') return parseMetaCommand(t, maxValueLength);
  return parseTextCommand(t, maxValueLength);
}
