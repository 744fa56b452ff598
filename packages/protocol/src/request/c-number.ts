/**
 * Numeric arguments read the way memcached 1.6 reads them (`safe_strtol`,
 * `safe_strtoul`, `safe_strtoull` over C's `strto*`): leading whitespace and
 * a sign are accepted, the number may be followed by whitespace and anything
 * after it, out-of-range values fail, and the 32-bit variants silently
 * truncate (so `4294967297` reads as 1). Matching these quirks is what makes
 * memkit-server answer exactly like the real daemon.
 */

import { U64_MAX } from '../limits';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** C `isspace` in the "C" locale. */
function isCSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

interface Scanned {
  negative: boolean;
  /** Magnitude of the digits (unbounded). */
  magnitude: bigint;
  /** Whether at least one digit was read and the digits were followed by end or whitespace. */
  ok: boolean;
  /** Whether the text before the digits contained a minus sign. */
  hasMinus: boolean;
}

function scan(token: string): Scanned {
  let i = 0;
  const n = token.length;
  while (i < n && isCSpace(token.charCodeAt(i))) i++;
  let negative = false;
  if (i < n && (token[i] === '+' || token[i] === '-')) {
    negative = token[i] === '-';
    i++;
  }
  const start = i;
  while (i < n && token.charCodeAt(i) === 0x30) i++;
  const significant = i;
  while (i < n) {
    const c = token.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    i++;
  }
  if (i === start) return { negative, magnitude: 0n, ok: false, hasMinus: negative };
  // Leading zeros are dropped; more than 40 significant digits overflow anything we
  // parse, so cap them and spare BigInt hostile input.
  const count = i - significant;
  const digits = count === 0 ? '0' : count > 40 ? '9'.repeat(41) : token.slice(significant, i);
  const ok = i === n || isCSpace(token.charCodeAt(i));
  return { negative, magnitude: BigInt(digits), ok, hasMinus: negative };
}

/** memcached's `safe_strtoull`: an unsigned 64-bit number, or `undefined`. */
export function safeStrtoull(token: string): bigint | undefined {
  const s = scan(token);
  if (!s.ok || s.magnitude > U64_MAX) return undefined;
  // strtoull negates in unsigned arithmetic; memcached rejects the result
  // only when it looks negative as a signed number and a '-' was present.
  const value = s.negative ? (U64_MAX + 1n - s.magnitude) & U64_MAX : s.magnitude;
  if (value > INT64_MAX && s.hasMinus) return undefined;
  return value;
}

/** memcached's `safe_strtoul`: like `safeStrtoull`, then truncated to 32 bits as memcached does. */
export function safeStrtoul(token: string): number | undefined {
  const v = safeStrtoull(token);
  return v === undefined ? undefined : Number(v & 0xffff_ffffn);
}

/** memcached's `safe_strtol`: a signed 64-bit number truncated to signed 32 bits, or `undefined`. */
export function safeStrtol(token: string): number | undefined {
  const s = scan(token);
  if (!s.ok) return undefined;
  const value = s.negative ? -s.magnitude : s.magnitude;
  if (value < INT64_MIN || value > INT64_MAX) return undefined;
  return Number(BigInt.asIntN(32, value));
}

/** @deprecated Use `safeStrtoull` (the name says which parsing rules apply: memcached's, lenient). */
export const parseU64 = safeStrtoull;
/** @deprecated Use `safeStrtoul`. */
export const parseU32 = safeStrtoul;
/** @deprecated Use `safeStrtol`. */
export const parseI32 = safeStrtol;
