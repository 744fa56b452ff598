/**
 * `memkitCacheStore`: the memcached store for `@nestjs/cache-manager`, on
 * `@memkit/keyv`'s `KeyvMemkit`. What it hands to `CacheModule` depends on the
 * Keyv major the application resolves, because `CacheModule` (12.0) wraps every
 * store it does not recognise as a Keyv 5 instance in
 * `new Keyv({ store, ttl, namespace: options.namespace })`:
 * - Keyv 5: that wrapper would overwrite the adapter's namespace with
 *   `undefined`, so the store is a ready Keyv 5, which `CacheModule` uses as is.
 * - Keyv 6: `CacheModule` does not recognise Keyv 6 instances (no `opts`) and
 *   would wrap one in a second Keyv (values serialized twice), so the store is
 *   the bare adapter; Keyv 6 keeps the adapter's namespace when none is given.
 */
import { type ClientSource, KeyvMemkit, type KeyvMemkitOptions } from '@memkit/keyv';
import { Keyv } from 'keyv';

/** Options of {@link memkitCacheStore}. */
export interface MemkitCacheStoreOptions extends Omit<KeyvMemkitOptions, 'keyvVersion' | 'namespace'> {
  /**
   * The cache's namespace: memcached keys are `${keyPrefix}${namespace}:${generation}:${key}`,
   * and `cache.clear()` clears only this namespace (in O(1), without `flush_all`). Default `'cache'`.
   */
  namespace?: string;
}

/** What `memkitCacheStore` returns: a Keyv 5 instance, or the adapter itself under Keyv 6. */
export type MemkitCacheStore = Keyv | KeyvMemkit;

/** The Keyv class `CacheModule` will use; a parameter only so tests can pass another major. */
type KeyvClass = new (options: { store: KeyvMemkit; namespace: string }) => Keyv;

/** @internal {@link memkitCacheStore} with the Keyv class given explicitly. */
export function buildCacheStore(
  KeyvCtor: KeyvClass,
  source: ClientSource,
  options: MemkitCacheStoreOptions,
): MemkitCacheStore {
  const namespace = options.namespace ?? 'cache';
  // Keyv 6 resolves stores through `resolveStore`; Keyv 5 has no such method.
  if (typeof (KeyvCtor.prototype as { resolveStore?: unknown }).resolveStore === 'function') {
    return new KeyvMemkit(source, { ...options, namespace, keyvVersion: 6 });
  }
  return new KeyvCtor({
    store: new KeyvMemkit(source, { ...options, namespace, keyvVersion: 5 }),
    namespace,
  });
}

/**
 * The memcached store for `CacheModule`'s `stores`. cache-manager hands it
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
export function memkitCacheStore(
  source?: ClientSource,
  options: MemkitCacheStoreOptions = {},
): MemkitCacheStore {
  return buildCacheStore(Keyv as unknown as KeyvClass, source, options);
}
