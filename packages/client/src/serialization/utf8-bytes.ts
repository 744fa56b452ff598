/**
 * UTF-8 encoding of values about to be written. `Buffer.from(text)` gives
 * every string of 4 KiB or more an allocation of its own, which costs more
 * than the encoding itself; large strings are encoded into a shared slab
 * instead (like Node's own pool for small ones). A slab is never written
 * twice: when it is full a new one is started and the old one is freed once
 * the views into it (queued writes) are gone.
 */
import { Buffer } from 'node:buffer';

const SLAB_SIZE = 1024 * 1024;
/** Below this many UTF-16 units Node's pooled `Buffer.from` is as fast. */
const POOLED_BELOW = 4096;
/** Above this many units a string gets a buffer of its own (a slab holds at least 4 worst cases). */
const SLAB_MAX_UNITS = SLAB_SIZE / 4 / 3;

const encoder = new TextEncoder();
let slab: Buffer | undefined;
let offset = 0;

/** The UTF-8 bytes of a well-formed string (lone surrogates must be rejected before). */
export function utf8Bytes(text: string): Buffer {
  const units = text.length;
  if (units < POOLED_BELOW || units > SLAB_MAX_UNITS) return Buffer.from(text, 'utf8');
  // Room for the worst case: 3 bytes per UTF-16 unit.
  if (slab === undefined || slab.length - offset < units * 3) {
    slab = Buffer.allocUnsafe(SLAB_SIZE);
    offset = 0;
  }
  const { written } = encoder.encodeInto(text, slab.subarray(offset));
  const bytes = slab.subarray(offset, offset + written);
  offset += written;
  return bytes;
}
