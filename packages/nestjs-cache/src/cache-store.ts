/**
 * `memkitCacheStore`: the memcached store for `@nestjs/cache-manager`, a
 * `Keyv` on `@memkit/keyv`'s `KeyvMemkit`. It builds the `Keyv` itself (with
 * the `keyv` the application resolves) instead of handing `CacheModule` a bare
 * adapter, because `CacheModule` wraps bare adapters in
 * `new Keyv({ namespace: options.namespace })`, and Keyv 5 then overwrites the
 * adapter's namespace with `undefined`.
 */
import { type ClientSource, KeyvMemkit, type KeyvMemkitOptions } from '@memkit/keyv';
import { Keyv } from 'keyv';

/** Options of {@link memkitCacheStore}. */
export interface MemkitCacheStoreOptions extends Omit<KeyvMemkitOptions, 'keyvVersion' | 'namespace'> {
  /**
   * The cache's namespace: memcached keys are `${keyPrefix}${namespace}:${generation}:${key}`,
   * and `cache.clear()` clears only this namespace (in O(1), without `flush_all`).
   * `CacheModule`'s own `namespace` option does not apply to this store. Default `'cache'`.
   */
  namespace?: string;
}

// Keyv 6 resolves stores through `resolveStore`; Keyv 5 has no such method.
function keyvMajor(): 5 | 6 {
  return typeof (Keyv.prototype as { resolveStore?: unknown }).resolveStore === 'function' ? 6 : 5;
}

/**
 * A `Keyv` on memcached for `CacheModule`'s `stores`. cache-manager hands it
 * TTLs in milliseconds (`@CacheTTL(30_000)`, `cache.set(k, v, 30_000)`, the
 * module's `ttl`), which memcached receives as whole seconds rounded up
 * (1 ms → 1 s, never "no expiry").
 *
 * @param source the `Client` of `MemkitModule` (shared, and closed by
 *   `MemkitModule`, never by the store), or client options / a server list,
 *   in which case the store owns its client and closes it when
 *   `CacheModule` disconnects its stores on shutdown.
 * @param options `namespace` (default `'cache'`) and `keyPrefix`.
 *
 * @example
 * ```ts
 * CacheModule.registerAsync({
 *   isGlobal: true,
 *   inject: [MEMKIT_CLIENT],
 *   useFactory: (client: Client) => ({ stores: [memkitCacheStore(client)], ttl: 60_000 }),
 * })
 * ```
 */
export function memkitCacheStore(source?: ClientSource, options: MemkitCacheStoreOptions = {}): Keyv {
  const namespace = options.namespace ?? 'cache';
  const store = new KeyvMemkit(source, { ...options, namespace, keyvVersion: keyvMajor() });
  return new Keyv({ store, namespace });
}
