/**
 * What a `getOrSet` loader wrapped by the warm-up route returns when the old
 * cluster had the value: the value, and the TTL it must be stored with (its
 * remaining TTL there) instead of the call's `ttl`.
 */
export class Warmed<T> {
  constructor(
    readonly value: T,
    /** Seconds (0: no expiry). */
    readonly ttl: number,
  ) {}
}

/** A loaded value and the options to store it with: a `Warmed` one brings its own TTL. */
export function unwrapLoaded<T, O extends { ttl?: number }>(loaded: T | Warmed<T>, opts: O): [T, O] {
  if (loaded instanceof Warmed) return [loaded.value, { ...opts, ttl: loaded.ttl }];
  return [loaded, opts];
}
