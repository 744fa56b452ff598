/**
 * `createKeyv`: a ready `Keyv` on memcached in one call, built with whichever
 * Keyv (5 or 6) the application installed, with the adapter pinned to that
 * version's contract.
 */
import { Keyv } from 'keyv';
import { KeyvMemkit } from './adapter';
import type { ClientSource, KeyvMemkitOptions } from './options';

/** Options of {@link createKeyv}: the adapter's, plus Keyv's default TTL. */
export interface CreateKeyvOptions extends Omit<KeyvMemkitOptions, 'keyvVersion'> {
  /** Default TTL in milliseconds for `set` without one. Default: no expiry. */
  ttl?: number;
}

/**
 * Creates a `Keyv` whose store is a {@link KeyvMemkit}.
 *
 * @example
 * const keyv = createKeyv('127.0.0.1:11211', { namespace: 'sessions', ttl: 60_000 });
 * await keyv.set('a', 1);
 * await keyv.disconnect(); // closes the client the adapter created
 */
export function createKeyv(source?: ClientSource, options: CreateKeyvOptions = {}): Keyv {
  // Keyv 6 resolves stores through `resolveStore`; Keyv 5 has no such method.
  const version = typeof (Keyv.prototype as { resolveStore?: unknown }).resolveStore === 'function' ? 6 : 5;
  const { ttl, ...adapterOptions } = options;
  const store = new KeyvMemkit(source, { ...adapterOptions, keyvVersion: version });
  return new Keyv({ store, namespace: store.namespace, ...(ttl !== undefined ? { ttl } : {}) });
}
