/**
 * `KeyvMemkit`: the Keyv storage adapter. It translates Keyv's conventions
 * (namespaced keys, TTLs in ms or absolute expiry, boolean results) into
 * @memkit/client calls and leaves everything else to the client: batching,
 * serialization of what Keyv hands over, compression, cluster routing, and
 * the key mapping that makes every string a key (keys.ts).
 *
 * Every operation reads the namespace generation (namespace.ts) in the same
 * batch as its own keys, so it costs one round trip; only after a clear()
 * elsewhere does it take a second one, at the new generation.
 */

import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import type { Client, Loader } from '@memkit/client';
import { failedPositions, report, reportServers, tolerate } from './failures';
import { dataKey, stripNamespace } from './keys';
import { NamespaceScope } from './namespace';
import { type ClientSource, type KeyvMemkitOptions, resolveClient } from './options';
import { expiresToSeconds, msToSeconds, ttlMsToSeconds } from './ttl';
import { storeMany } from './writes';
/** An entry of `setMany`: Keyv 5 passes a relative `ttl` (ms), Keyv 6 an absolute `expires` (Unix ms). */
export interface KeyvMemkitEntry {
  /** The key, as Keyv hands it over. */
  key: string;
  /** The value to store (what Keyv serialized). */
  value: unknown;
  /** Keyv 5: time to live in milliseconds. */
  ttl?: number;
  /** Keyv 6: absolute expiry in Unix milliseconds. */
  expires?: number;
}

/** The store methods the adapter declares to Keyv 6. */
export type KeyvMemkitMethod =
  | 'get'
  | 'getMany'
  | 'has'
  | 'hasMany'
  | 'set'
  | 'setMany'
  | 'delete'
  | 'deleteMany'
  | 'clear'
  | 'disconnect'
  | 'iterator';

/** How one method is declared to Keyv 6. */
export interface KeyvMethodCapability {
  /** The method exists. */
  exists: true;
  /** It returns a promise. */
  methodType: 'async';
}

/** What `KeyvMemkit.capabilities` declares to Keyv 6. */
export interface KeyvMemkitCapabilities {
  /** The adapter follows Keyv's storage contract. */
  compatible: true;
  /** The kind of store: a Keyv storage adapter. */
  store: 'keyvStorage';
  /** Takes absolute expiry times (the Keyv 6 contract), so Keyv 6 uses it directly. */
  expires: true;
  /** Every method the adapter has. */
  methods: Record<KeyvMemkitMethod, KeyvMethodCapability>;
}

const METHODS = [
  'get',
  'getMany',
  'has',
  'hasMany',
  'set',
  'setMany',
  'delete',
  'deleteMany',
  'clear',
  'disconnect',
  'iterator',
] as const satisfies readonly KeyvMemkitMethod[];

/**
 * Options of {@link KeyvMemkit.getOrSet}, in milliseconds like every Keyv
 * duration (memcached gets whole seconds, rounded up).
 */
export interface StoreGetOrSetOptions {
  /** Lifetime of the stored value. Default: no expiry. */
  ttl?: number;
  /** The last `staleTtl` ms of the lifetime: one caller refreshes while the others keep the current value. */
  staleTtl?: number;
  /** How long the elected loader may take before another caller may take over. Default 30 000. */
  lockTtl?: number;
  /** Longest wait for another caller's load before loading here. Default 5000. */
  waitTimeout?: number;
}

const STORE_BRAND = Symbol.for('memkit.keyv.store');

/** Whether `value` is a {@link KeyvMemkit}, from this copy of the package or another one. */
export function isKeyvMemkit(value: unknown): value is KeyvMemkit {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[STORE_BRAND] === true
  );
}

/** Keys per `getMulti` while iterating, to bound each batch. */
const ITERATE_BATCH = 100;

/**
 * Keyv storage adapter for memcached, for Keyv 5 and Keyv 6.
 *
 * @example
 * import Keyv from 'keyv';
 * import { KeyvMemkit } from '@memkit/keyv';
 * const keyv = new Keyv({ store: new KeyvMemkit('127.0.0.1:11211'), namespace: 'users' });
 * await keyv.set('1', { name: 'Ada' }, 60_000); // ttl in ms
 */
export class KeyvMemkit extends EventEmitter {
  /** Brand that `isKeyvMemkit` checks: holds across two copies of this package (ESM and CJS). */
  readonly [STORE_BRAND] = true;
  /** The namespace; Keyv sets it (see {@link KeyvMemkitOptions.namespace}). */
  namespace: string | undefined;
  /** The memcached client. */
  readonly client: Client;
  /** Prepended to every memcached key, before the namespace. */
  readonly keyPrefix: string;
  /**
   * Store description that Keyv 5 reads (its iterator check needs `url`) and
   * that `@keyv/test-suite` writes `deserialize` into. Not used for anything else.
   */
  readonly opts: {
    /** The backend name Keyv reports: `memcache`. */
    dialect: 'memcache';
    /** The client's servers, comma-separated. */
    url: string;
    [option: string]: unknown;
  };
  private version: 5 | 6;
  private readonly autoVersion: boolean;
  private readonly ownsClient: boolean;
  private current: NamespaceScope | undefined;

  /**
   * @param source a `Client` (never closed by the adapter), client options or
   *   a server list (the adapter creates the client and closes it on `disconnect()`)
   * @param options namespace, key prefix, Keyv contract
   */
  constructor(source?: ClientSource, options: KeyvMemkitOptions = {}) {
    super();
    const { client, owned } = resolveClient(source);
    this.client = client;
    this.ownsClient = owned;
    this.namespace = options.namespace ?? 'keyv';
    this.keyPrefix = options.keyPrefix ?? '';
    const version = options.keyvVersion ?? 'auto';
    this.autoVersion = version === 'auto';
    this.version = version === 6 ? 6 : 5;
    this.opts = { dialect: 'memcache', url: client.servers().join(',') };
  }

  /**
   * Keyv 6's capability check: `expires: true` declares the v6 contract
   * (absolute expiry, bare keys), so Keyv 6 uses the adapter directly. Keyv 6
   * reads this once when the store is attached, which is how `'auto'` mode
   * learns it serves Keyv 6; Keyv 5 never reads it.
   */
  get capabilities(): KeyvMemkitCapabilities {
    if (this.autoVersion) this.version = 6;
    const methods = Object.fromEntries(METHODS.map((m) => [m, { exists: true, methodType: 'async' }]));
    return { compatible: true, store: 'keyvStorage', expires: true, methods: methods as never };
  }

  /** The Keyv contract in use: 5 or 6. */
  get keyvVersion(): 5 | 6 {
    return this.version;
  }

  /** The stored value (what Keyv handed to `set`), or `undefined`. Rejects when its server fails. */
  async get(key: string): Promise<unknown> {
    const [value] = await this.read('get', [key], (v) => v);
    return value;
  }

  /**
   * Values in key order, `undefined` for misses. One batch per server. When
   * some servers fail, their keys read `undefined` and the error is emitted
   * (see {@link KeyvMemkit} on failures).
   */
  async getMany(keys: string[]): Promise<unknown[]> {
    return this.read('getMany', keys, (v) => v);
  }

  /** Whether the key exists in memcached. Rejects when its server fails. */
  async has(key: string): Promise<boolean> {
    const [value] = await this.read('has', [key], (v) => v !== undefined);
    return value!;
  }

  /** Existence of each key, in key order; failed servers as for `getMany` (their keys `false`). */
  async hasMany(keys: string[]): Promise<boolean[]> {
    return this.read('hasMany', keys, (v) => v !== undefined);
  }

  /**
   * Stores `value` as handed over (Keyv's serialized string, or its raw
   * envelope when serialization is off). The third argument is what the Keyv
   * version passes: a TTL in ms (Keyv 5) or an absolute expiry in Unix ms
   * (Keyv 6). An already expired entry is removed instead.
   */
  async set(key: string, value: unknown, ttlOrExpires?: number): Promise<boolean> {
    const ttl =
      this.version === 6 ? expiresToSeconds(ttlOrExpires, Date.now()) : ttlMsToSeconds(ttlOrExpires);
    const logical = this.logicalKey(key);
    const scope = this.scope();
    return scope.write(async (gen) => {
      const k = dataKey(gen, logical);
      if (ttl < 0) {
        await scope.keys.delete(k);
        return true;
      }
      return scope.keys.set(k, value, { ttl });
    });
  }

  /**
   * Stores many entries: one `setMulti` per distinct TTL, all in the same
   * round trip. A key whose server failed is `false`, and the error emitted.
   */
  async setMany(entries: KeyvMemkitEntry[]): Promise<boolean[]> {
    const now = Date.now();
    const prepared = entries.map((e) => ({
      logical: this.logicalKey(e.key),
      value: e.value,
      ttl: e.expires !== undefined ? expiresToSeconds(e.expires, now) : ttlMsToSeconds(e.ttl),
    }));
    const scope = this.scope();
    const { value, failures } = await scope.write((gen) =>
      storeMany(
        scope,
        prepared.map((e) => dataKey(gen, e.logical)),
        prepared,
      ),
    );
    return report(
      this,
      'setMany',
      entries.map((e) => e.key),
      value,
      failures,
    );
  }

  /** Deletes; `true` when the key existed. */
  async delete(key: string): Promise<boolean> {
    const logical = this.logicalKey(key);
    const scope = this.scope();
    return scope.write((gen) => scope.keys.delete(dataKey(gen, logical)));
  }

  /**
   * Deletes many keys in one batch. Keyv 6 expects one boolean per key; Keyv 5
   * one boolean for the call (`true` when every key existed). A key whose
   * server failed is `false`, and the error emitted.
   */
  async deleteMany(keys: string[]): Promise<boolean[] | boolean> {
    const logical = keys.map((k) => this.logicalKey(k));
    const scope = this.scope();
    const { value, failures } = await scope.write(async (gen) => {
      const data = logical.map((k) => dataKey(gen, k));
      const done = await tolerate(scope.keys.deleteMulti(data), data);
      const missed = new Set(done.value);
      const failed = failedPositions(done.failures);
      return { value: data.map((k, i) => !missed.has(k) && !failed.has(i)), failures: done.failures };
    });
    const results = report(this, 'deleteMany', keys, value, failures);
    return this.version === 6 ? results : results.length > 0 && results.every(Boolean);
  }

  /**
   * Clears this namespace only, in O(1): one `incr` of the namespace
   * generation. Older keys become unreachable and age out; other namespaces
   * and unrelated keys are untouched. Never `flush_all`.
   */
  async clear(): Promise<void> {
    await this.scope().generation.bump();
  }

  /**
   * The stored value of `key`, or on a miss the loader's, computed ONCE
   * across every process sharing the memcached cluster: memcached elects one
   * caller to run `loader` (meta `mg … N`, see the client's `getOrSet`); the
   * others wait for its value instead of running their own. `loader` must
   * return what this store keeps (for Keyv: its encoded entry); `wrap()`
   * does that for a Keyv. The key goes through the same namespace,
   * generation and key mapping as `get`/`set`.
   *
   * If a `clear()` elsewhere moves the namespace's generation during the
   * call, the call is repeated at the new generation (the loader may then
   * run a second time), so a cleared value is never returned.
   */
  async getOrSet<T>(key: string, loader: Loader<T>, options: StoreGetOrSetOptions = {}): Promise<T> {
    const logical = this.logicalKey(key);
    const scope = this.scope();
    const opts = {
      ttl: ttlMsToSeconds(options.ttl),
      ...(options.staleTtl ? { staleTtl: msToSeconds(options.staleTtl) } : {}),
      ...(options.lockTtl !== undefined ? { lockTtl: msToSeconds(options.lockTtl) } : {}),
      ...(options.waitTimeout !== undefined ? { waitTimeout: options.waitTimeout } : {}),
    };
    return scope.write((gen) => scope.keys.getOrSet(dataKey(gen, logical), loader, opts));
  }

  /** Closes the client if the adapter created it; a client passed in stays open. */
  async disconnect(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }

  /** Disconnects (same as `disconnect()`), for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.disconnect();
  }

  /**
   * Yields `[key, value]` for every live key of the namespace. memcached has
   * no key listing: this walks every item of every server with
   * `lru_crawler metadump` (client.metadump), so it costs O(items in the whole cache). Meant
   * for admin tasks and tests, not for request paths. Entries stored in the
   * digest form (keys over 250 bytes with the namespace) cannot be named
   * (a hash does not give the key back) and are not yielded. A server that
   * fails is reported like a failed key of `getMany` (its keys are missing).
   */
  async *iterator(_namespace?: string): AsyncGenerator<[string, unknown], void> {
    const scope = this.scope();
    const gen = await scope.generation.read();
    const head = `${scope.prefix}${gen}:`;
    const listed: string[] = [];
    for (const r of reportServers(this, 'iterator', await this.client.metadump())) {
      for (const item of r) if (item.key.startsWith(head)) listed.push(item.key.slice(head.length));
    }
    const logical = [...new Set(listed)];
    for (let i = 0; i < logical.length; i += ITERATE_BATCH) {
      const batch = logical.slice(i, i + ITERATE_BATCH);
      const keys = batch.map((k) => dataKey(gen, k));
      const read = await tolerate(scope.keys.getMulti(keys), keys);
      const hits = report(
        this,
        'iterator',
        batch.map((k) => this.externalKey(k)),
        read.value,
        read.failures,
      );
      for (const [j, k] of keys.entries()) {
        if (hits.has(k)) yield [this.externalKey(batch[j]!), hits.get(k)];
      }
    }
  }

  /**
   * The memcached key that holds `key` right now (reads the current
   * generation), the client's key prefix included: as laid out, or its
   * mapped form (the raw bytes of a binary key, as UTF-8; the digest form).
   */
  async physicalKey(key: string): Promise<string> {
    const scope = this.scope();
    const { route } = scope.mapped(await scope.generation.read(), this.logicalKey(key));
    return typeof route === 'string' ? route : Buffer.from(route).toString('utf8');
  }

  /** The namespace's scope, rebuilt when Keyv changes the namespace. */
  private scope(): NamespaceScope {
    if (this.current === undefined || this.current.namespace !== this.namespace) {
      this.current = new NamespaceScope(this.client, this.keyPrefix, this.namespace);
    }
    return this.current;
  }

  /** The key as Keyv sent it → the key inside the namespace. */
  private logicalKey(key: string): string {
    return this.version === 5 ? stripNamespace(key, this.namespace) : key;
  }

  /** The key inside the namespace → the form this Keyv version expects back. */
  private externalKey(logical: string): string {
    return this.version === 5 && this.namespace ? `${this.namespace}:${logical}` : logical;
  }

  /** Reads keys together with the generation counter (one batch); failures reported (see failures.ts). */
  private async read<R>(method: string, keys: string[], map: (value: unknown) => R): Promise<R[]> {
    const { value, failures } = await this.scope().read(keys.map((k) => this.logicalKey(k)));
    return report(this, method, keys, value.map(map), failures);
  }
}
