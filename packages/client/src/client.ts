/**
 * `Client`: the public facade. Holds the context (options, serializer,
 * cluster) and delegates each command to its module under `commands/`.
 */
import { EventEmitter } from 'node:events';
import { MemkitError, type MetadumpReply } from '@memkit/protocol';
import { enroll, forget } from './census';
import { Cluster, createLocator } from './cluster/cluster';
import { type GetOrSetOptions, getOrSet, type Loader } from './commands/get-or-set';
import { deleteMulti, getMulti, type MultiOptions, setMulti } from './commands/multi';
import { arithmetic, del, touch } from './commands/mutation';
import { type CasResult, retrieve } from './commands/retrieval';
import { flushAll, metadump, stats, version } from './commands/server';
import { type SetOptions, type StoreKind, store } from './commands/storage';
import { Context } from './context';
import { type ClientOptions, type CommandOptions, resolveOptions } from './options';
import { createDefaultSerializer } from './serialization/index';
import { parseServers } from './servers';
import { type Hits, traceCall, tracingCalls } from './tracing';

/** Turns a synchronous throw (invalid key, value too large) into a rejected promise. */
function run<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * A memcached client: one or many servers, pipelined connections, the meta
 * protocol by default. Every method returns a Promise and rejects only with
 * `MemkitError`s. Misses are `undefined`, "not stored" outcomes are `false`.
 *
 * Events: `server:dead` (address, error), `server:alive` (address),
 * `connect` (address), `close` (address, error).
 *
 * @example
 * const client = new Client({ servers: ['127.0.0.1:11211'] });
 * await client.set('greeting', 'hello', { ttl: 60 });
 * console.log(await client.get('greeting')); // 'hello'
 * await client.close();
 */
export class Client extends EventEmitter {
  private readonly ctx: Context;
  private closed = false;

  constructor(options: ClientOptions = {}) {
    super();
    const resolved = resolveOptions(options);
    const nodes = parseServers(options.servers ?? ['127.0.0.1:11211']);
    const locator = nodes.length > 1 ? createLocator(options.hashing ?? 'ketama', nodes) : undefined;
    const cluster = new Cluster(nodes, locator, resolved);
    cluster.on('server:dead', (a, e) => this.emit('server:dead', a, e));
    cluster.on('server:alive', (a) => this.emit('server:alive', a));
    for (const pool of cluster.pools) {
      pool.on('connect', (a) => this.emit('connect', a));
      pool.on('close', (a, e) => this.emit('close', a, e));
    }
    const serializer =
      options.serializer ?? createDefaultSerializer({ minCompressLength: options.minCompressLength ?? 0 });
    this.ctx = new Context(resolved, serializer, cluster);
    enroll(cluster);
  }

  /** The value stored under `key`, or `undefined` on a miss. */
  get<T = unknown>(key: string | Uint8Array, opts?: CommandOptions): Promise<T | undefined> {
    return this.retrieval('get', key, undefined, opts) as Promise<T | undefined>;
  }

  /** The value and its CAS unique (for `cas()`), or `undefined` on a miss. */
  gets<T = unknown>(key: string | Uint8Array, opts?: CommandOptions): Promise<CasResult<T> | undefined> {
    return this.retrieval('gets', key, undefined, opts) as Promise<CasResult<T> | undefined>;
  }

  /** Get-and-touch: the value, with its TTL reset to `ttlSeconds`. */
  gat<T = unknown>(
    key: string | Uint8Array,
    ttlSeconds: number,
    opts?: CommandOptions,
  ): Promise<T | undefined> {
    return this.retrieval('gat', key, ttlSeconds, opts) as Promise<T | undefined>;
  }

  /** Get-and-touch with CAS. */
  gats<T = unknown>(
    key: string | Uint8Array,
    ttlSeconds: number,
    opts?: CommandOptions,
  ): Promise<CasResult<T> | undefined> {
    return this.retrieval('gats', key, ttlSeconds, opts) as Promise<CasResult<T> | undefined>;
  }

  /** Hits only, keyed by the given keys. One batch per server, in parallel. */
  getMulti<T = unknown>(keys: readonly string[], opts?: MultiOptions): Promise<Map<string, T>> {
    return this.call('getMulti', undefined, keys, () => getMulti<T>(this.ctx, keys, opts), 'multi');
  }

  /** Stores unconditionally. Resolves `true` when stored. */
  set(key: string | Uint8Array, value: unknown, opts?: SetOptions): Promise<boolean> {
    return this.store('set', key, value, opts);
  }

  /** Stores only if the key does not exist. `false` when it does. */
  add(key: string | Uint8Array, value: unknown, opts?: SetOptions): Promise<boolean> {
    return this.store('add', key, value, opts);
  }

  /** Stores only if the key exists. `false` when it does not. */
  replace(key: string | Uint8Array, value: unknown, opts?: SetOptions): Promise<boolean> {
    return this.store('replace', key, value, opts);
  }

  /** Appends bytes to an existing value (flags unchanged). `false` when the key does not exist. */
  append(key: string | Uint8Array, value: string | Uint8Array, opts?: CommandOptions): Promise<boolean> {
    return this.store('append', key, value, opts);
  }

  /** Prepends bytes to an existing value. `false` when the key does not exist. */
  prepend(key: string | Uint8Array, value: string | Uint8Array, opts?: CommandOptions): Promise<boolean> {
    return this.store('prepend', key, value, opts);
  }

  /** Compare-and-swap: stores only if the item's CAS is still `cas`. `false` on conflict or miss. */
  cas(key: string | Uint8Array, value: unknown, cas: bigint, opts?: SetOptions): Promise<boolean> {
    return this.call('cas', key, undefined, () => store(this.ctx, 'cas', key, value, cas, opts));
  }

  /** Stores many entries; resolves with the keys that were NOT stored. */
  setMulti(
    entries: Iterable<readonly [string, unknown]> | Record<string, unknown>,
    opts?: MultiOptions & { ttl?: number },
  ): Promise<string[]> {
    const list =
      Symbol.iterator in Object(entries)
        ? (entries as Iterable<readonly [string, unknown]>)
        : Object.entries(entries);
    if (!tracingCalls()) return run(() => setMulti(this.ctx, list, opts));
    let entryList: Array<readonly [string, unknown]>;
    try {
      entryList = [...list];
    } catch (err) {
      return Promise.reject(err);
    }
    const keys = entryList.map((e) => e[0]);
    return this.call('setMulti', undefined, keys, () => setMulti(this.ctx, entryList, opts));
  }

  /** Deletes. `true` when an item was deleted, `false` when there was none. */
  delete(key: string | Uint8Array, opts?: CommandOptions): Promise<boolean> {
    return this.call('delete', key, undefined, () => del(this.ctx, key, opts));
  }

  /** Deletes many keys; resolves with the keys that were not deleted (missing or failed). */
  deleteMulti(keys: readonly string[], opts?: MultiOptions): Promise<string[]> {
    return this.call('deleteMulti', undefined, keys, () => deleteMulti(this.ctx, keys, opts));
  }

  /** Increments a decimal value (unsigned 64-bit, wraps at 2^64). `undefined` when missing. */
  incr(
    key: string | Uint8Array,
    delta: number | bigint = 1,
    opts?: CommandOptions,
  ): Promise<bigint | undefined> {
    return this.call('incr', key, undefined, () => arithmetic(this.ctx, 'incr', key, delta, opts));
  }

  /** Decrements a decimal value (stops at 0). `undefined` when missing. */
  decr(
    key: string | Uint8Array,
    delta: number | bigint = 1,
    opts?: CommandOptions,
  ): Promise<bigint | undefined> {
    return this.call('decr', key, undefined, () => arithmetic(this.ctx, 'decr', key, delta, opts));
  }

  /** Sets a new TTL (seconds). `false` when the key does not exist. */
  touch(key: string | Uint8Array, ttlSeconds: number, opts?: CommandOptions): Promise<boolean> {
    return this.call('touch', key, undefined, () => touch(this.ctx, key, ttlSeconds, opts));
  }

  /** Read-through caching with stampede protection: see `GetOrSetOptions`. */
  getOrSet<T>(key: string, loader: Loader<T>, opts?: GetOrSetOptions): Promise<T> {
    return this.call('getOrSet', key, undefined, () => getOrSet(this.ctx, key, loader, opts), 'outcome');
  }

  /** `stats [arg]` of every server, keyed by server address. */
  stats(arg?: string, opts?: CommandOptions): Promise<Record<string, Record<string, string>>> {
    return this.call('stats', undefined, undefined, () => stats(this.ctx, arg, opts));
  }

  /** Server versions, keyed by server address. */
  version(opts?: CommandOptions): Promise<Record<string, string>> {
    return this.call('version', undefined, undefined, () => version(this.ctx, opts));
  }

  /** Invalidates every item on every server (after `delaySeconds`). */
  flushAll(delaySeconds?: number, opts?: CommandOptions): Promise<void> {
    return this.call('flushAll', undefined, undefined, () => flushAll(this.ctx, delaySeconds, opts));
  }

  /** Item metadata of every server via `lru_crawler metadump all` (an admin walk of the whole cache). */
  metadump(opts?: CommandOptions): Promise<Record<string, MetadumpReply[]>> {
    return this.call('metadump', undefined, undefined, () => metadump(this.ctx, opts));
  }

  /**
   * The address of the server that holds `key` right now (after prefixing and
   * failover), like python-memcached's `_get_server`. Throws ERR_SERVER_DEAD
   * when no server can take it.
   */
  serverFor(key: string | Uint8Array): string {
    return this.ctx.cluster.poolFor(this.ctx.key(key, undefined, true).route).node.address;
  }

  /** Server addresses, in configuration order. */
  get servers(): string[] {
    return this.ctx.cluster.nodes.map((n) => n.address);
  }

  /** Closes every connection; pending commands fail with ERR_CLIENT_CLOSED. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    forget(this.ctx.cluster);
    this.ctx.cluster.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private store(
    kind: StoreKind,
    key: string | Uint8Array,
    value: unknown,
    opts?: SetOptions,
  ): Promise<boolean> {
    return this.call(kind, key, undefined, () => {
      if (this.closed) return Promise.reject(new MemkitError('ERR_CLIENT_CLOSED', 'the client is closed'));
      return store(this.ctx, kind, key, value, undefined, opts);
    });
  }

  /** The four single-key retrievals, counted as hit or miss when traced. */
  private retrieval(
    kind: 'get' | 'gets' | 'gat' | 'gats',
    key: string | Uint8Array,
    ttlSeconds: number | undefined,
    opts: CommandOptions | undefined,
  ): Promise<unknown> {
    return this.call(kind, key, undefined, () => retrieve(this.ctx, kind, key, ttlSeconds, opts), 'one');
  }

  /**
   * Runs one public call: published on the `memkit:command` tracing channel
   * when someone subscribes (`hits` says how its result counts hits),
   * otherwise just run, with a synchronous throw turned into a rejection.
   */
  private call<T>(
    operation: string,
    key: string | Uint8Array | undefined,
    keys: readonly string[] | undefined,
    fn: () => Promise<T>,
    hits: Hits = 'none',
  ): Promise<T> {
    if (!tracingCalls()) return run(fn);
    return traceCall(operation, key, keys, this.ctx.cluster.nodes, hits, fn);
  }
}
