/**
 * Reply batching: commands append lines and value buffers here while one
 * input chunk is processed, and the connection writes the whole batch with
 * a single `write` (small batches are joined, big ones go out as a corked
 * vector so stored values are never copied).
 */
import { Buffer } from 'node:buffer';

const CRLF = Buffer.from('\r\n');
/** Batches up to this size are joined into one buffer; larger ones are written as a vector. */
const JOIN_LIMIT = 64 * 1024;

/** Collects the replies to one input chunk. */
export class ReplyBatch {
  #parts: Buffer[] = [];
  /** Text not yet turned into a buffer, so consecutive lines cost one allocation. */
  #text = '';
  #length = 0;

  /** Whether anything has been queued since the last `take`. */
  get isEmpty(): boolean {
    return this.#length === 0 && this.#text.length === 0;
  }

  /** Appends `text` + CRLF (latin1, so binary keys come out byte for byte). */
  line(text: string): void {
    this.#text += `${text}\r\n`;
  }

  /** Appends raw text (latin1) without a line ending. */
  raw(text: string): void {
    this.#text += text;
  }

  /** Appends a data block followed by CRLF, without copying it. */
  block(value: Buffer): void {
    this.#flushText();
    if (value.length > 0) this.#push(value);
    this.#text = '\r\n';
  }

  #flushText(): void {
    if (this.#text.length === 0) return;
    this.#push(Buffer.from(this.#text, 'latin1'));
    this.#text = '';
  }

  #push(buf: Buffer): void {
    this.#parts.push(buf);
    this.#length += buf.length;
  }

  /** Empties the batch, returning its buffers (one joined buffer when small). */
  take(): Buffer[] {
    this.#flushText();
    const parts = this.#parts;
    const length = this.#length;
    this.#parts = [];
    this.#length = 0;
    if (parts.length <= 1) return parts;
    if (length <= JOIN_LIMIT) return [Buffer.concat(parts, length)];
    return parts;
  }
}

/** CRLF as a buffer, for callers that build replies by hand. */
export { CRLF };
