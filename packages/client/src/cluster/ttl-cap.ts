/**
 * TTL clamping for servers whose items must not live long (the gutter pool):
 * every exptime written there, "never expires" included, becomes at most
 * `cap` seconds from now.
 */
import { THIRTY_DAYS_SECONDS } from '@memkit/protocol';

/** `exptime` (as sent to memcached: 0 = never, <= 30 days relative, else absolute) clamped to `cap` seconds. */
export function capExptime(exptime: number, cap: number, nowMs: number = Date.now()): number {
  if (exptime < 0) return exptime;
  if (exptime === 0) return cap;
  const relative = exptime <= THIRTY_DAYS_SECONDS ? exptime : Math.max(1, exptime - Math.floor(nowMs / 1000));
  return Math.min(relative, cap);
}
