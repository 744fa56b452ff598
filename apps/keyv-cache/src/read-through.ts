/**
 * Read-through caching on Keyv with stampede protection across processes: a
 * thin layer over `wrap()` of @memkit/keyv that also says how each request
 * was served. On a miss, memcached elects ONE caller among every process
 * sharing the cache to run the loader (meta `mg … N`); everyone else waits
 * for its value instead of running the loader too.
 */
import { wrap } from '@memkit/keyv';
import type { Keyv } from 'keyv';

/**
 * How a request was served: `miss` (this request ran the loader), `shared`
 * (it joined a load already running in this process), `hit` (from the cache,
 * possibly after waiting for another process's load).
 */
export type CacheStatus = 'hit' | 'miss' | 'shared';

/** A value and how it was obtained. */
export interface Served<T> {
  value: T;
  status: CacheStatus;
}

/** Options of {@link ReadThrough}. */
export interface ReadThroughOptions {
  /** The cache: a Keyv whose store is a `KeyvMemkit`. */
  keyv: Keyv;
  /** TTL of cached values, in ms. */
  ttlMs: number;
}

/** Read-through cache with one load per key across the cluster (see the module comment). */
export class ReadThrough {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly options: ReadThroughOptions) {}

  /** The cached value of `key`, or the loader's, stored for `ttlMs`. */
  async get<T>(key: string, loader: () => Promise<T>): Promise<Served<T>> {
    const running = this.inFlight.get(key) as Promise<T> | undefined;
    if (running) return { value: await running, status: 'shared' };
    let loaded = false;
    const flight = wrap(
      this.options.keyv,
      key,
      () => {
        loaded = true;
        return loader();
      },
      { ttl: this.options.ttlMs },
    ).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, flight);
    const value = await flight;
    return { value, status: loaded ? 'miss' : 'hit' };
  }
}
