/**
 * Read-through caching on Keyv with stampede protection, the `getOrSet`
 * pattern: a hit is served from the cache; on a miss exactly one caller runs
 * the loader and everyone else waits for its value.
 *
 * - In-process, concurrent callers for the same key share one promise.
 * - Across processes, the loader runs under a lock in memcached (`add` of a
 *   lock key, which only one process can win). The others poll the cache
 *   until the value appears, and load it themselves only if the lock holder
 *   takes longer than `waitTimeoutMs` (it may have died).
 *
 * The lock is released with a plain delete: if a load outlived the lock's
 * TTL, that delete can free a lock someone else took since, which costs one
 * extra load, never a wrong value. The TTL is far above the load time.
 */
import type { Client } from '@memkit/client';
import type { Keyv } from 'keyv';

/** How a request was served: from the cache, by running the loader, or by waiting for another load. */
export type CacheStatus = 'hit' | 'miss' | 'shared';

/** A value and how it was obtained. */
export interface Served<T> {
  value: T;
  status: CacheStatus;
}

/** Options of {@link ReadThrough}. */
export interface ReadThroughOptions {
  /** The cache. */
  keyv: Keyv;
  /** The memcached client that holds the locks (the adapter's). */
  client: Client;
  /** Prefix of lock keys in memcached. */
  lockPrefix: string;
  /** TTL of cached values, in ms. */
  ttlMs: number;
  /** Seconds after which a lock expires on its own if its holder died. Default 10. */
  lockTtlSeconds?: number;
  /** Longest wait (ms) for another process's load before loading anyway. Default 5000. */
  waitTimeoutMs?: number;
  /** Poll interval (ms) while waiting. Default 20. */
  pollMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Read-through cache with single-flight loading (see the module comment). */
export class ReadThrough {
  private readonly inFlight = new Map<string, Promise<Served<unknown>>>();

  constructor(private readonly options: ReadThroughOptions) {}

  /** The cached value of `key`, or the loader's, stored for `ttlMs`. */
  async get<T>(key: string, loader: () => Promise<T>): Promise<Served<T>> {
    const running = this.inFlight.get(key) as Promise<Served<T>> | undefined;
    if (running) {
      const { value, status } = await running;
      return { value, status: status === 'hit' ? 'hit' : 'shared' };
    }
    const flight = this.resolve(key, loader).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, flight);
    return flight;
  }

  private async resolve<T>(key: string, loader: () => Promise<T>): Promise<Served<T>> {
    const { keyv, client, lockPrefix } = this.options;
    const cached = (await keyv.get(key)) as T | undefined;
    if (cached !== undefined) return { value: cached, status: 'hit' };
    const lockKey = `${lockPrefix}${key}`;
    const deadline = Date.now() + (this.options.waitTimeoutMs ?? 5000);
    for (;;) {
      if (await client.add(lockKey, String(process.pid), { ttl: this.options.lockTtlSeconds ?? 10 })) {
        try {
          // Another process may have stored the value between our miss and our lock.
          const filled = (await keyv.get(key)) as T | undefined;
          if (filled !== undefined) return { value: filled, status: 'shared' };
          return { value: await this.load(key, loader), status: 'miss' };
        } finally {
          await client.delete(lockKey).catch(() => false);
        }
      }
      await sleep(this.options.pollMs ?? 20);
      const value = (await keyv.get(key)) as T | undefined;
      if (value !== undefined) return { value, status: 'shared' };
      if (Date.now() > deadline) return { value: await this.load(key, loader), status: 'miss' };
    }
  }

  private async load<T>(key: string, loader: () => Promise<T>): Promise<T> {
    const value = await loader();
    await this.options.keyv.set(key, value, this.options.ttlMs);
    return value;
  }
}
