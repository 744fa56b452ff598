/**
 * `KeyvMemkit`: the Keyv storage adapter. It translates Keyv's conventions
 * (namespaced keys, TTLs in ms or absolute expiry, boolean results) into
 * @memkit/client calls and leaves everything else to the client: batching,
 * serialization of what Keyv hands over, compression, cluster routing.
 *
 * Every operation reads the namespace generation (generation.ts) in the same
 * batch as its own keys, so it costs one round trip; only after a clear()
 * elsewhere does it take a second one, at the new generation.
 */
import { EventEmitter } from 'node:events';
import type { Client } from '@memkit/client';
import { Generation } from './generation';
import { dataKey, generationKey, generationPrefix, stripNamespace } from './keys';
import { type ClientSource, type KeyvMemkitOptions, resolveClient } from './options';
import { expiresToSeconds, ttlMsToSeconds } from './ttl';

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
    this.opts = { dialect: 'memcache', url: client.servers.join(',') };
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

  /** The stored value (what Keyv handed to `set`), or `undefined`. */
  async get(key: string): Promise<unknown> {
    const [value] = await this.read([key]);
    return value;
  }

  /** Values in key order, `undefined` for misses. One batch per server. */
  async getMany(keys: string[]): Promise<unknown[]> {
    return this.read(keys);
  }

  /** Whether the key exists in memcached. */
  async has(key: string): Promise<boolean> {
    const [value] = await this.read([key]);
    return value !== undefined;
  }

  /** Existence of each key, in key order. */
  async hasMany(keys: string[]): Promise<boolean[]> {
    return (await this.read(keys)).map((v) => v !== undefined);
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
    return this.write(async (gen) => {
      const physical = this.dataKey(gen, logical);
      if (ttl < 0) {
        await this.client.delete(physical);
        return true;
      }
      return this.client.set(physical, value, { ttl });
    });
  }

  /** Stores many entries: one `setMulti` per distinct TTL, all in the same round trip. */
  async setMany(entries: KeyvMemkitEntry[]): Promise<boolean[]> {
    const now = Date.now();
    const prepared = entries.map((e) => ({
      logical: this.logicalKey(e.key),
      value: e.value,
      ttl: e.expires !== undefined ? expiresToSeconds(e.expires, now) : ttlMsToSeconds(e.ttl),
    }));
    return this.write(async (gen) => {
      const physical = prepared.map((e) => this.dataKey(gen, e.logical));
      const byTtl = new Map<number, Array<[string, unknown]>>();
      prepared.forEach((e, i) => {
        const group = byTtl.get(e.ttl) ?? [];
        group.push([physical[i]!, e.value]);
        byTtl.set(e.ttl, group);
      });
      const failed = new Set<string>();
      await Promise.all(
        [...byTtl].map(async ([ttl, list]) => {
          // Already expired entries are removed, as a set of a dead value would be.
          if (ttl < 0) await this.client.deleteMulti(list.map(([k]) => k));
          else for (const k of await this.client.setMulti(list, { ttl })) failed.add(k);
        }),
      );
      return physical.map((k) => !failed.has(k));
    });
  }

  /** Deletes; `true` when the key existed. */
  async delete(key: string): Promise<boolean> {
    const logical = this.logicalKey(key);
    return this.write((gen) => this.client.delete(this.dataKey(gen, logical)));
  }

  /**
   * Deletes many keys in one batch. Keyv 6 expects one boolean per key; Keyv 5
   * one boolean for the call (`true` when every key existed).
   */
  async deleteMany(keys: string[]): Promise<boolean[] | boolean> {
    const logical = keys.map((k) => this.logicalKey(k));
    const results = await this.write(async (gen) => {
      const physical = logical.map((k) => this.dataKey(gen, k));
      const missed = new Set(await this.client.deleteMulti(physical));
      return physical.map((k) => !missed.has(k));
    });
    return this.version === 6 ? results : results.length > 0 && results.every(Boolean);
  }

  /**
   * Clears this namespace only, in O(1): one `incr` of the namespace
   * generation. Older keys become unreachable and age out; other namespaces
   * and unrelated keys are untouched. Never `flush_all`.
   */
  async clear(): Promise<void> {
    await this.generation().bump();
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
   * `lru_crawler metadump all`, so it costs O(items in the whole cache). Meant
   * for admin tasks and tests, not for request paths.
   */
  async *iterator(_namespace?: string): AsyncGenerator<[string, unknown], void> {
    const head = generationPrefix(this.keyPrefix, this.namespace, await this.generation().read());
    const dump = await this.client.metadump();
    const keys = Object.values(dump)
      .flat()
      .map((item) => item.key)
      .filter((k) => k.startsWith(head));
    for (let i = 0; i < keys.length; i += ITERATE_BATCH) {
      const batch = keys.slice(i, i + ITERATE_BATCH);
      const hits = await this.client.getMulti(batch);
      for (const k of batch) {
        if (hits.has(k)) yield [this.externalKey(k.slice(head.length)), hits.get(k)];
      }
    }
  }

  /** The memcached key that holds `key` right now (reads the current generation). */
  async physicalKey(key: string): Promise<string> {
    return this.dataKey(await this.generation().read(), this.logicalKey(key));
  }

  private generation(): Generation {
    return new Generation(this.client, generationKey(this.keyPrefix, this.namespace));
  }

  private dataKey(gen: string, logical: string): string {
    return dataKey(this.keyPrefix, this.namespace, gen, logical);
  }

  /** The key as Keyv sent it → the key inside the namespace. */
  private logicalKey(key: string): string {
    return this.version === 5 ? stripNamespace(key, this.namespace) : key;
  }

  /** The key inside the namespace → the form this Keyv version expects back. */
  private externalKey(logical: string): string {
    return this.version === 5 && this.namespace ? `${this.namespace}:${logical}` : logical;
  }

  /** Reads keys together with the generation counter (one batch). */
  private async read(keys: string[]): Promise<unknown[]> {
    const generation = this.generation();
    const logical = keys.map((k) => this.logicalKey(k));
    const gen = await generation.current();
    const physical = logical.map((k) => this.dataKey(gen, k));
    const hits = await this.client.getMulti([generation.key, ...physical]);
    const now = generation.observe(hits.get(generation.key));
    if (now === undefined) {
      // The counter was evicted: a re-created one starts a fresh generation with nothing in it.
      await generation.create();
      return keys.map(() => undefined);
    }
    if (now === gen) return physical.map((k) => hits.get(k));
    const moved = logical.map((k) => this.dataKey(now, k));
    const again = await this.client.getMulti(moved);
    return moved.map((k) => again.get(k));
  }

  /**
   * Runs a write at the cached generation while re-reading the counter in the
   * same round trip; if a clear() elsewhere moved it, the write is repeated at
   * the new generation so it is not lost in the cleared one.
   */
  private async write<T>(op: (gen: string) => Promise<T>): Promise<T> {
    const generation = this.generation();
    const gen = await generation.current();
    const [result, raw] = await Promise.all([op(gen), this.client.get(generation.key)]);
    const now = generation.observe(raw) ?? (await generation.create());
    return now === gen ? result : op(now);
  }
}
