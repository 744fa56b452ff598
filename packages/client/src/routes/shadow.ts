/**
 * The shadow route (`shadow: { servers, fraction }`): the calls of a fixed
 * share of the keys are mirrored to another pool, for trying a new cluster
 * under real traffic. Which keys is decided by a hash of the key (FNV-1a of
 * the key as the caller gave it, before any prefix), so the same keys are
 * shadowed by every process and every run. Reads and writes are mirrored
 * (a `cas` as the `set` it amounted to, once it succeeded; a `getOrSet` as
 * a `getOrSet` on the shadow whose loader is the value the caller got).
 *
 * Fire-and-forget: the mirrored call is started after the caller's and its
 * result, failure and latency never reach the caller. At most `maxQueue`
 * mirrored calls are in flight; past that they are dropped (counted), so a
 * frozen shadow pool costs bounded memory. Reads are compared: the shadow's
 * answer against the caller's (`matched` / `mismatched`).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Client } from '../client';
import { FollowViews } from './views';

/** Default most mirrored calls in flight. */
export const DEFAULT_SHADOW_QUEUE = 1000;

/** What the shadow route did so far (`client.shadowStats()`). */
export interface ShadowStats {
  /** Mirrored calls sent to the shadow pool. */
  mirrored: number;
  /** Mirrored calls dropped: `maxQueue` of them were already in flight, or the shadow pool's queue was full. */
  dropped: number;
  /** Mirrored calls that failed (timeout, connection, dead server…). */
  failed: number;
  /** Mirrored calls still in flight. */
  inFlight: number;
  /** Reads whose shadow answer was compared with the caller's (both succeeded). */
  compared: number;
  /** Of those, the ones where the shadow answered the same value (or the same miss). */
  matched: number;
  /** Of those, the ones where it did not: a miss against a hit, or another value. */
  mismatched: number;
}

export class Shadow {
  private readonly counts = {
    mirrored: 0,
    dropped: 0,
    failed: 0,
    inFlight: 0,
    compared: 0,
    matched: 0,
    mismatched: 0,
  };
  /** `fraction` as a threshold on the 32-bit key hash. */
  private readonly threshold: number;
  private readonly views: FollowViews;

  constructor(
    /** The client of the shadow pool (built and owned by the route). */
    readonly client: Client,
    fraction: number,
    private readonly maxQueue: number,
  ) {
    this.threshold = fraction * 2 ** 32;
    this.views = new FollowViews(client, true);
  }

  stats(): ShadowStats {
    return { ...this.counts };
  }

  /** Whether calls of `key` are mirrored. */
  picks(key: string | Uint8Array): boolean {
    if (this.threshold === 0) return false;
    // Not a key (a caller's mistake, which the call itself rejects): nothing to mirror.
    if (typeof key !== 'string' && !(key instanceof Uint8Array)) return false;
    return keyHash(key) < this.threshold;
  }

  /** Mirrors a write of `view`: `call` runs on the shadow client now, its outcome only counted. */
  write(view: Client, call: (shadow: Client) => Promise<unknown>): void {
    void this.send(this.views.for(view), call);
  }

  /**
   * Mirrors a read: `call` runs on the shadow client now; once both it and the
   * caller's `primary` succeeded, their answers are compared (`same` decides).
   */
  read<T>(
    view: Client,
    primary: Promise<T>,
    call: (shadow: Client) => Promise<T>,
    compare: (mine: T, theirs: T) => Comparison = compareOne,
  ): void {
    const mirrored = this.send(this.views.for(view), call);
    if (mirrored === undefined) return;
    Promise.all([primary, mirrored]).then(
      ([a, b]) => {
        if (b === FAILED) return;
        const c = compare(a, b as T);
        this.counts.compared += c.compared;
        this.counts.mismatched += c.mismatched;
        this.counts.matched += c.compared - c.mismatched;
      },
      () => undefined,
    );
  }

  /** Like `read`, for a call that needs the caller's answer (`getOrSet`): started once `primary` succeeded. */
  readAfter<T>(view: Client, primary: Promise<T>, call: (shadow: Client, value: T) => Promise<T>): void {
    primary.then(
      (value) => this.read(view, Promise.resolve(value), (s) => call(s, value)),
      () => undefined,
    );
  }

  close(graceful: boolean): Promise<void> {
    return this.client.close({ graceful });
  }

  /** Runs `call` on the shadow client unless too many are in flight; never rejects (FAILED instead). */
  private send<T>(
    shadow: Client,
    call: (shadow: Client) => Promise<T>,
  ): Promise<T | typeof FAILED> | undefined {
    if (this.counts.inFlight >= this.maxQueue) {
      this.counts.dropped++;
      return undefined;
    }
    this.counts.inFlight++;
    this.counts.mirrored++;
    let p: Promise<T>;
    try {
      p = call(shadow);
    } catch (err) {
      p = Promise.reject(err);
    }
    return p.then(
      (v) => {
        this.counts.inFlight--;
        return v;
      },
      (err: unknown) => {
        this.counts.inFlight--;
        // The shadow client's own queue was full: as dropped as ours would be.
        if ((err as { code?: string })?.code === 'ERR_QUEUE_FULL') {
          this.counts.mirrored--;
          this.counts.dropped++;
        } else this.counts.failed++;
        return FAILED;
      },
    );
  }
}

const FAILED: unique symbol = Symbol('shadow call failed');

/** How many answers a mirrored read compared, and how many differed. */
export interface Comparison {
  compared: number;
  mismatched: number;
}

function compareOne(a: unknown, b: unknown): Comparison {
  return { compared: 1, mismatched: isDeepStrictEqual(a, b) ? 0 : 1 };
}

/** Per key of `keys`: a hit with the same value on both sides, or a miss on both, is a match. */
export function compareMaps(keys: readonly string[], pick: (v: unknown) => unknown = (v) => v) {
  return (mine: Map<string, unknown>, theirs: Map<string, unknown>): Comparison => {
    let mismatched = 0;
    for (const k of keys) if (!isDeepStrictEqual(pick(mine.get(k)), pick(theirs.get(k)))) mismatched++;
    return { compared: keys.length, mismatched };
  };
}

/** The value of a `gets` answer (CAS uniques differ between clusters by nature). */
export function casValue(v: unknown): unknown {
  return (v as { value?: unknown } | undefined)?.value;
}

/**
 * 32-bit FNV-1a of the key's UTF-8 bytes, then murmur3's finalizer: FNV-1a
 * alone barely moves the high bits for keys that differ in their last
 * character (`user:1`, `user:2`…), and the threshold compares high bits.
 */
function keyHash(key: string | Uint8Array): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
