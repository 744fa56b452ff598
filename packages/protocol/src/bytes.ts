/**
 * Byte-level number parsing for the decoder: decimal fields read straight
 * from the receive buffer, without making a substring first.
 */
import type { Buffer } from 'node:buffer';
import { U64_MAX } from './limits';

/** Digits that always fit a double exactly (10^15 < 2^53). */
const SAFE_DIGITS = 15;

/**
 * The unsigned decimal in `buf[start, end)`, or -1 if the range is empty, has
 * a non-digit, or has more than 15 digits (no field we read as a number can
 * legitimately be that large).
 */
export function parseUint(buf: Buffer, start: number, end: number): number {
  if (end <= start || end - start > SAFE_DIGITS) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Like `parseUint` but also accepts a leading `-` (remaining TTL `t-1`). Returns NaN when malformed. */
export function parseSignedInt(buf: Buffer, start: number, end: number): number {
  if (start < end && buf[start] === 0x2d) {
    const n = parseUint(buf, start + 1, end);
    return n < 0 ? Number.NaN : -n;
  }
  const n = parseUint(buf, start, end);
  return n < 0 ? Number.NaN : n;
}

/**
 * The unsigned 64-bit decimal in `buf[start, end)`, or -1n when malformed or
 * out of range. Strict (digits only), unlike memcached's `safeStrtoull`.
 */
export function parseU64Range(buf: Buffer, start: number, end: number): bigint {
  const len = end - start;
  if (len <= SAFE_DIGITS) {
    const n = parseUint(buf, start, end);
    return n < 0 ? -1n : BigInt(n);
  }
  if (len > 20) return -1n;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c < 48 || c > 57) return -1n;
  }
  const n = BigInt(buf.toString('latin1', start, end));
  return n > U64_MAX ? -1n : n;
}
