/**
 * Relative TTLs (seconds) to memcached `exptime` values. memcached reads an
 * exptime above 30 days as an absolute Unix time, so longer TTLs must be sent
 * as one; fractions round up so a short TTL never turns into "forever".
 */
import { MemkitError } from './errors';

/** Largest exptime memcached treats as relative (60 * 60 * 24 * 30 seconds). */
export const THIRTY_DAYS_SECONDS = 2592000;

/**
 * The memcached exptime for a TTL of `ttlSeconds` from now.
 *
 * - `0` → `0` (never expires)
 * - negative → `-1` (expires immediately)
 * - fractional → rounded up (`0.3` → `1`)
 * - over 30 days → absolute Unix time `floor(nowMs / 1000) + ceil(ttlSeconds)`
 *
 * Throws `MemkitError('ERR_INVALID_ARGUMENT')` for NaN, ±Infinity or a non-number.
 */
export function toExptime(ttlSeconds: number, nowMs: number = Date.now()): number {
  if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds)) {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `TTL must be a finite number of seconds, got ${String(ttlSeconds)}`,
    );
  }
  if (ttlSeconds === 0) return 0;
  if (ttlSeconds < 0) return -1;
  const seconds = Math.ceil(ttlSeconds);
  if (seconds <= THIRTY_DAYS_SECONDS) return seconds;
  if (!Number.isFinite(nowMs)) {
    throw new MemkitError('ERR_INVALID_ARGUMENT', `nowMs must be a finite number, got ${String(nowMs)}`);
  }
  return Math.floor(nowMs / 1000) + seconds;
}
