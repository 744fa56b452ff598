/**
 * TTL conversion between Keyv's conventions and memcached's: Keyv 5 hands
 * the store a relative TTL in milliseconds, Keyv 6 an absolute expiry in
 * Unix milliseconds; memcached wants whole seconds. Rounding is always UP,
 * so a sub-second TTL becomes 1 s instead of 0 (which memcached reads as
 * "never expire"). Values over 30 days stay relative here: the client turns
 * them into absolute Unix times, which is what memcached requires.
 */

/** Seconds for memcached: `0` = no expiry, `-1` = already expired (remove it), else >= 1. */
export type TtlSeconds = number;

/** A TTL in milliseconds (Keyv 5's `set(key, value, ttl)`) as memcached seconds. */
export function ttlMsToSeconds(ttlMs: number | undefined): TtlSeconds {
  if (ttlMs === undefined || ttlMs === 0 || Number.isNaN(ttlMs) || ttlMs === Number.POSITIVE_INFINITY)
    return 0;
  if (ttlMs < 0) return -1;
  return Math.ceil(ttlMs / 1000);
}

/**
 * An absolute expiry in Unix milliseconds (Keyv 6's `set(key, value, expires)`)
 * as memcached seconds from `nowMs`. `undefined` or a non-finite number means
 * no expiry; an expiry at or before `nowMs` means the entry is already dead.
 */
export function expiresToSeconds(expiresMs: number | undefined, nowMs: number): TtlSeconds {
  if (expiresMs === undefined || !Number.isFinite(expiresMs)) return 0;
  const remaining = expiresMs - nowMs;
  if (remaining <= 0) return -1;
  return Math.ceil(remaining / 1000);
}

/** A positive duration in ms as whole memcached seconds, rounded up (at least 1). */
export function msToSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
