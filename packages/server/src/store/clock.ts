/**
 * Server time in whole seconds and memcached's expiration-time rules:
 * 0 = never, negative = already expired, up to 30 days = relative, larger =
 * an absolute Unix time. Deadlines are kept as absolute Unix seconds.
 */

/** memcached's `REALTIME_MAXDELTA`: 30 days, the largest relative exptime. */
export const MAX_RELATIVE_EXPTIME = 60 * 60 * 24 * 30;

/** A deadline that has always passed (memcached's rel-time 1). */
export const EXPIRED = 1;

/** Whole-second server clock. */
export class Clock {
  readonly #nowMs: () => number;
  /** Unix second the server started. */
  readonly started: number;

  constructor(nowMs: () => number = Date.now) {
    this.#nowMs = nowMs;
    this.started = this.now();
  }

  /** The current Unix time in whole seconds. */
  now(): number {
    return Math.floor(this.#nowMs() / 1000);
  }

  /**
   * memcached's `realtime(EXPTIME_TO_POSITIVE_TIME(exptime))`: the absolute
   * deadline for an exptime a client sent; 0 means "never".
   */
  deadline(exptime: number): number {
    if (exptime === 0) return 0;
    if (exptime < 0) return EXPIRED;
    if (exptime > MAX_RELATIVE_EXPTIME) return exptime <= this.started ? EXPIRED : exptime;
    return this.now() + exptime;
  }
}
