/**
 * How long a session lives in memcached: express conventions (milliseconds,
 * `cookie.expires` as an absolute date, `cookie.maxAge`) translated into the
 * whole seconds memcached wants. Pure functions, so the rounding and the
 * "already expired" rule are table-tested without a server.
 */
import { MemkitError } from '@memkit/client';
import type { SessionData } from 'express-session';

/** One day in milliseconds: the TTL of a session whose cookie has no expiry. */
export const DEFAULT_TTL_MS = 24 * 60 * 60 * 1000;

/** A fixed TTL in milliseconds, or one computed per session. */
export type TtlOption = number | ((session: SessionData) => number);

function expiresAt(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string' || typeof value === 'number') {
    const t = new Date(value).getTime();
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/**
 * Milliseconds the session has left: the `ttl` option when given, else until
 * `cookie.expires`, else `cookie.maxAge`, else one day. Zero or less means the
 * session is already expired and must not be stored.
 */
export function sessionTtlMs(session: SessionData, ttl: TtlOption | undefined, now = Date.now()): number {
  if (typeof ttl === 'function') return checked(ttl(session), 'the ttl function returned');
  if (ttl !== undefined) return ttl;
  // A session read back from JSON has `expires` as a string; a live Cookie has a Date.
  const cookie = session?.cookie as { expires?: unknown; maxAge?: unknown } | undefined;
  const at = expiresAt(cookie?.expires);
  if (at !== undefined) return at - now;
  if (typeof cookie?.maxAge === 'number' && Number.isFinite(cookie.maxAge)) return cookie.maxAge;
  return DEFAULT_TTL_MS;
}

/**
 * Milliseconds to memcached seconds, rounding up: 1 ms must become 1 s, not 0
 * (which memcached reads as "never expires"). The client turns anything over
 * 30 days into an absolute Unix time, so long cookies survive.
 */
export function toTtlSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

function checked(ms: number, what: string): number {
  if (typeof ms !== 'number' || Number.isNaN(ms)) {
    throw new MemkitError('ERR_INVALID_ARGUMENT', `${what} ${String(ms)}: a TTL must be a number of ms`);
  }
  return ms;
}

/** Validates the `ttl` option at construction time. */
export function validateTtlOption(ttl: unknown): TtlOption | undefined {
  if (ttl === undefined || typeof ttl === 'function') return ttl as TtlOption | undefined;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `ttl must be a positive number of milliseconds or a function, got ${String(ttl)}`,
    );
  }
  return ttl;
}
