/**
 * Decoding a value in place, in the receive buffer: the fast path of
 * multi-get replies (see `Serializer.deserializeSlice`).
 */
import { Buffer } from 'node:buffer';
import type { Serializer } from './types';

/** `serializer.deserializeSlice` when it has one, else `deserialize` of a view. */
export function deserializeRange<R>(
  serializer: Serializer<unknown, R>,
  buf: Buffer,
  start: number,
  end: number,
  flags: number,
): R {
  return serializer.deserializeSlice
    ? serializer.deserializeSlice(buf, start, end, flags)
    : serializer.deserialize(buf.subarray(start, end), flags);
}

type Utf8Sliceable = Buffer & { utf8Slice?: (start: number, end: number) => string };
// Buffer#utf8Slice is what toString('utf8', …) calls after checking its
// arguments; use it directly when this Node has it (every release since 0.x).
const hasUtf8Slice = typeof (Buffer.prototype as Utf8Sliceable).utf8Slice === 'function';

/**
 * The text of `buf[start, end)` when it is valid UTF-8 that decodes without
 * U+FFFD; otherwise undefined, and the caller takes the validating decoder
 * (invalid bytes always decode to U+FFFD, so valid text never needs it).
 */
export function utf8Range(buf: Buffer, start: number, end: number): string | undefined {
  const text = hasUtf8Slice
    ? (buf as Utf8Sliceable).utf8Slice!(start, end)
    : buf.toString('utf8', start, end);
  return text.indexOf('\uFFFD') === -1 ? text : undefined;
}
