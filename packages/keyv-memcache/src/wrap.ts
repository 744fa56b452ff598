/**
 * `wrap()`: read-through caching on a Keyv whose store is a `KeyvMemkit`,
 * with the load elected ONCE across every process of the cluster.
 *
 * cache-manager's `wrap()` and Keyv-based stacks coalesce concurrent misses
 * only inside one process; N pods still run the loader N times. This helper
 * goes through the store's `getOrSet`, where memcached itself elects the one
 * caller that loads (meta `mg … N`), and stores the loaded value as the very
 * entry `keyv.set()` would have written (Keyv's own encoding, serializer,
 * compression and expiry), so `keyv.get()`, `keyv.delete()`, `keyv.clear()`
 * and other processes' Keyv instances see it as any other entry.
 */
import { MemkitError } from '@memkit/client';
import { isKeyvMemkit, type KeyvMemkit } from './adapter';

/** Options of {@link wrap}; durations in milliseconds, like Keyv's. */
export interface WrapOptions {
  /** How long the value is fresh. Default: the Keyv's `ttl`; none (or 0) means no expiry. */
  ttl?: number;
  /**
   * How long past `ttl` the old value may still be served while ONE caller
   * (in the whole cluster) computes the new one: the entry lives
   * `ttl + staleTtl`, and during its last `staleTtl` memcached hands the
   * refresh to one caller while everyone else gets the current value.
   * Needs a `ttl`. Default 0: no stale serving.
   */
  staleTtl?: number;
  /** How long the elected loader may take before another caller may take over. Default 30 000. */
  lockTtl?: number;
  /** Longest wait for another process's load before loading here (uncached). Default 5000. */
  waitTimeout?: number;
}

/** What {@link wrap} needs of a Keyv 5 or Keyv 6 instance. */
export interface WrappableKeyv {
  /** The storage adapter (a `KeyvMemkit`, possibly inside Keyv's bridge). */
  readonly store?: unknown;
  /** The Keyv's default TTL in ms. */
  readonly ttl?: number | undefined;
}

interface KeyvEntry {
  value: unknown;
  expires?: number | undefined;
}

/** The parts of Keyv 5 and Keyv 6 that encode entries exactly as their `set()` does. */
interface KeyvInternals {
  opts?: { store?: unknown; compression?: unknown };
  encode?: (entry: KeyvEntry) => Promise<unknown>;
  decode?: (raw: unknown) => Promise<KeyvEntry | undefined>;
  serializeData?: (entry: KeyvEntry) => Promise<unknown>;
  deserializeData?: (raw: unknown) => Promise<KeyvEntry | undefined>;
  sanitize?: { enabled?: boolean; cleanKey?: (key: string) => string };
}

/** The `KeyvMemkit` under `keyv`: its store, or the store inside Keyv 6's bridge adapter. */
export function memkitStoreOf(keyv: WrappableKeyv): KeyvMemkit {
  let candidate: unknown = keyv;
  for (let depth = 0; depth < 4 && typeof candidate === 'object' && candidate !== null; depth++) {
    if (isKeyvMemkit(candidate)) return candidate;
    const c = candidate as { store?: unknown; opts?: { store?: unknown } };
    candidate = c.store ?? c.opts?.store;
  }
  throw new MemkitError('ERR_INVALID_ARGUMENT', 'wrap() needs a Keyv whose store is a KeyvMemkit');
}

/**
 * Keyv 6 encodes with `encode`/`decode`; Keyv 5 with `serializeData`/
 * `deserializeData`. Both read a non-string raw value as the entry itself
 * (serialization turned off), and so does this.
 */
function codecOf(keyv: KeyvInternals) {
  if (typeof keyv.encode === 'function' && typeof keyv.decode === 'function') {
    const { encode, decode } = keyv;
    return {
      bareEmptyKey: false,
      encode: (e: KeyvEntry) => encode.call(keyv, e),
      decode: async (raw: unknown) => (typeof raw === 'string' ? decode.call(keyv, raw) : (raw as KeyvEntry)),
    };
  }
  if (typeof keyv.serializeData === 'function' && typeof keyv.deserializeData === 'function') {
    const { serializeData, deserializeData } = keyv;
    const compressed = Boolean(keyv.opts?.compression);
    return {
      bareEmptyKey: true,
      encode: (e: KeyvEntry) => serializeData.call(keyv, e),
      decode: async (raw: unknown) =>
        typeof raw === 'string' || compressed ? deserializeData.call(keyv, raw) : (raw as KeyvEntry),
    };
  }
  throw new MemkitError('ERR_UNSUPPORTED', 'wrap() supports Keyv 5.x (serializeData) and Keyv 6 (encode)');
}

/**
 * The value cached under `key` in `keyv`, or on a miss the result of `fn`,
 * computed once across every process that shares the memcached cluster and
 * stored as `keyv.set(key, value, ttl)` would store it. Concurrent callers
 * in this process share one call; callers elsewhere wait for the elected
 * loader's value (up to `waitTimeout`, then load themselves without storing).
 * If `fn` throws, the error reaches this caller, nothing is stored, and the
 * next caller is elected.
 *
 * Keys are taken as Keyv takes them (namespace, Keyv 6 key sanitizing) and
 * mapped like every key of the adapter, so any string works; as in Keyv 6
 * itself, Keyv 6's empty key is never cached (`fn` just runs).
 *
 * @example
 * const keyv = new Keyv({ store: new KeyvMemkit('127.0.0.1:11211'), namespace: 'reports' });
 * const report = await wrap(keyv, `/reports?${query}`, () => buildReport(query), { ttl: 60_000, staleTtl: 10_000 });
 */
export async function wrap<T>(
  keyv: WrappableKeyv,
  key: string,
  fn: () => T | Promise<T>,
  options: WrapOptions = {},
): Promise<T> {
  const store = memkitStoreOf(keyv);
  const internals = keyv as KeyvInternals;
  const codec = codecOf(internals);
  const { sanitize } = internals;
  const storeKey =
    sanitize?.enabled && typeof sanitize.cleanKey === 'function' ? sanitize.cleanKey(key) : key;
  if (storeKey === '' && !codec.bareEmptyKey) return fn();
  const ttl = options.ttl ?? keyv.ttl;
  const fresh = typeof ttl === 'number' && ttl > 0 ? ttl : undefined;
  const stale =
    fresh !== undefined && options.staleTtl !== undefined && options.staleTtl > 0 ? options.staleTtl : 0;
  const lifetime = fresh === undefined ? undefined : fresh + stale;
  const load = async () =>
    codec.encode({ value: await fn(), expires: lifetime === undefined ? undefined : Date.now() + lifetime });
  const storeOptions = {
    ...(lifetime === undefined ? {} : { ttl: lifetime }),
    ...(stale > 0 ? { staleTtl: stale } : {}),
    ...(options.lockTtl === undefined ? {} : { lockTtl: options.lockTtl }),
    ...(options.waitTimeout === undefined ? {} : { waitTimeout: options.waitTimeout }),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    const raw = await store.getOrSet(storeKey, load, storeOptions);
    let entry: KeyvEntry | undefined;
    let cause: unknown;
    try {
      entry = await codec.decode(raw);
    } catch (err) {
      cause = err;
    }
    if (entry === undefined || entry === null || typeof entry !== 'object') {
      throw new MemkitError(
        'ERR_UNSERIALIZABLE',
        `the entry under ${JSON.stringify(key.slice(0, 60))} is not a Keyv entry: not written through Keyv?`,
        cause === undefined ? {} : { cause },
      );
    }
    if (typeof entry.expires !== 'number' || entry.expires > Date.now()) return entry.value as T;
    // Expired for Keyv but still in memcached, whose clock ticks in whole seconds: drop it, load again.
    await store.delete(storeKey);
  }
  return fn();
}
