/**
 * `Client`: the public facade. Holds the context (options, serializer,
 * cluster) and delegates each command to its module under `commands/`.
 */
import { EventEmitter } from 'node:events';
import { MemkitError, type MetadumpReply } from '@memkit/protocol';
import {
  type CallKind,
  type CloseOptions,
  checkCallOptions,
  checkCloseOptions,
  checkKeyList,
} from './call-options';
import { enroll, forget } from './census';
import { Cluster, type TopologyEvent } from './cluster/cluster';
import type { ServerStateChange } from './cluster/health';
import type { InvalidationMessage } from './cluster/invalidations';
import type { ReplicaFailureMessage } from './cluster/replicas';
import { type GetOrSetOptions, getOrSet, type Loader } from './commands/get-or-set';
import { deleteMulti, getMulti, getsMulti, type MultiOptions, setMulti } from './commands/multi';
import { type ArithmeticOptions, arithmetic, del, touch } from './commands/mutation';
import { type RawCommandOptions, rawCommand } from './commands/raw';
import { readPool } from './commands/replicated';
import { type CasResult, retrieve } from './commands/retrieval';
import { flushAll, metadump, stats, version } from './commands/server';
import { type SetOptions, type StoreKind, store, type WriteOptions } from './commands/storage';
import { Context } from './context';
import { channels, type ProtocolMessage } from './diagnostics';
import { startDiscovery } from './discovery/start';
import type { KeyMapping, MappedKey } from './key-mapping';
import { type KeyOptions, keyOptionsView } from './key-options';
import type { NearCacheStats } from './near-cache/near-cache';
import { createNearCache } from './near-cache/near-read';
import { type ClientOptions, type CommandOptions, resolveOptions } from './options';
import type { ServerResult } from './partial';
import { installRoutes, type Routes } from './routes/install';
import { type FailureMessage, missOnOutage } from './routes/on-error';
import type { ShadowStats } from './routes/shadow';
import type { WarmUpStats } from './routes/warm-up';
import { createDefaultSerializer } from './serialization/index';
import { type Hits, traceCall, tracingCalls } from './tracing';

/**
 * A memcached client: one or many servers, pipelined connections, the meta
 * protocol by default. Every method returns a Promise and rejects only with
 * `MemkitError`s. Misses are `undefined`, "not stored" outcomes are `false`.
 *
 * Events: `server:dead` (address, error), `server:alive` (address),
 * `connect` (address), `close` (address, error), `topology`
 * (`{ version, servers, added, removed, moved }`, after discovery applied a
 * change), `error` (a discovery failure: the last good server list is kept;
 * emitted only when someone listens, and always published on the
 * `memkit:discovery:error` diagnostics channel), `protocol` (`{ server,
 * protocol, reason, version }`, once per server, when `protocol: 'auto'`
 * learned which protocol it speaks; also on `memkit:server:protocol`),
 * `server:state` (`ServerStateChange`: the circuit breaker of a server moved,
 * also on `memkit:server:state`), `invalidation` (`InvalidationMessage`:
 * keys a returning server missed were deleted on it, or it was flushed
 * instead; also on `memkit:invalidation`), `failure` (`FailureMessage`: with
 * `onError: 'miss'`, a failure answered as a miss; also on
 * `memkit:call:failure`), `replica:failure` (`ReplicaFailureMessage`: with
 * `replicas`, copies of a write that failed while enough others answered;
 * also on `memkit:replica:failure`),
 * `warmUpOff` (`{ reason }`: the `warmFrom` route stopped reading the old
 * cluster, see `warmUpStats()`).
 *
 * @example
 * const client = new Client({ servers: ['127.0.0.1:11211'] });
 * await client.set('greeting', 'hello', { ttl: 60 });
 * console.log(await client.get('greeting')); // 'hello'
 * await client.close();
 */
export class Client extends EventEmitter {
  private readonly ctx: Context;
  /** The client that owns the connections: itself, or the client a `withKeyOptions` view came from. */
  private readonly root: Client = this;
  private closed = false;
  /** The graceful close under way, if any. */
  private closing: Promise<void> | undefined;

  private readonly stopDiscovery: () => void;
  /** `onError: 'miss'`: outages resolve as misses (routes/on-error.ts). */
  private readonly missOnError: boolean;
  /** The `warmFrom` / `shadow` routes, when configured (routes/install.ts). */
  private readonly routes: Routes | undefined;

  constructor(options: ClientOptions = {}) {
    super();
    const resolved = resolveOptions(options);
    const discovery = resolved.discovery;
    const cluster = new Cluster(resolved.servers, resolved.hashing, resolved, discovery !== undefined);
    cluster.on('server:dead', (a, e) => this.emit('server:dead', a, e));
    cluster.on('server:alive', (a) => this.emit('server:alive', a));
    cluster.on('server:state', (change: ServerStateChange) => this.emit('server:state', change));
    cluster.on('invalidation', (m: InvalidationMessage) => this.emit('invalidation', m));
    cluster.on('failure', (m: FailureMessage) => this.emit('failure', m));
    cluster.on('replica:failure', (m: ReplicaFailureMessage) => this.emit('replica:failure', m));
    cluster.on('connect', (a) => this.emit('connect', a));
    cluster.on('close', (a, e) => this.emit('close', a, e));
    cluster.on('topology', (event: TopologyEvent) => this.emit('topology', event));
    cluster.on('protocol', (message: ProtocolMessage) => this.emit('protocol', message));
    const serializer =
      resolved.serializer ?? createDefaultSerializer({ minCompressLength: resolved.minCompressLength });
    const near = resolved.nearCache ? createNearCache(resolved.nearCache, cluster) : undefined;
    this.ctx = new Context(resolved, serializer, cluster, near);
    this.missOnError = resolved.onError === 'miss';
    enroll(cluster);
    this.stopDiscovery = discovery
      ? startDiscovery(discovery, cluster, resolved, (err, source) => {
          if (channels.discoveryError.hasSubscribers) channels.discoveryError.publish({ source, error: err });
          // An 'error' event nobody listens to would crash the process over a poll that failed.
          if (this.listenerCount('error') > 0) this.emit('error', err);
        })
      : () => {};
    this.routes = installRoutes(this, options, resolved, (o) => new Client(o));
  }

  /** The value stored under `key`, or `undefined` on a miss. */
  get<T = unknown>(key: string | Uint8Array, opts?: CommandOptions): Promise<T | undefined> {
    return this.run(
      'get',
      'command',
      opts,
      () => retrieve(this.ctx, 'get', key, undefined, opts) as Promise<T | undefined>,
      key,
      undefined,
      'one',
    );
  }

  /** The value and its CAS unique (for `cas()`), or `undefined` on a miss. */
  gets<T = unknown>(key: string | Uint8Array, opts?: CommandOptions): Promise<CasResult<T> | undefined> {
    return this.run(
      'gets',
      'command',
      opts,
      () => retrieve(this.ctx, 'gets', key, undefined, opts) as Promise<CasResult<T> | undefined>,
      key,
      undefined,
      'one',
    );
  }

  /** Get-and-touch: the value, with its TTL reset to `ttlSeconds`. */
  gat<T = unknown>(
    key: string | Uint8Array,
    ttlSeconds: number,
    opts?: CommandOptions,
  ): Promise<T | undefined> {
    return this.run(
      'gat',
      'command',
      opts,
      () => retrieve(this.ctx, 'gat', key, ttlSeconds, opts) as Promise<T | undefined>,
      key,
      undefined,
      'one',
    );
  }

  /** Get-and-touch with CAS. */
  gats<T = unknown>(
    key: string | Uint8Array,
    ttlSeconds: number,
    opts?: CommandOptions,
  ): Promise<CasResult<T> | undefined> {
    return this.run(
      'gats',
      'command',
      opts,
      () => retrieve(this.ctx, 'gats', key, ttlSeconds, opts) as Promise<CasResult<T> | undefined>,
      key,
      undefined,
      'one',
    );
  }

  /**
   * Hits only, keyed by the given keys. One batch per server, in parallel. String keys only. When
   * some servers fail: ERR_PARTIAL_FAILURE with the others' hits in `.partial` (see `PartialFailureError`).
   */
  getMulti<T = unknown>(keys: readonly string[], opts?: MultiOptions): Promise<Map<string, T>> {
    return this.runMulti('getMulti', keys, opts, () => getMulti<T>(this.ctx, keys, opts), 'multi');
  }

  /** Like `getMulti`, each hit as `{ value, cas }` (for `cas()`); fails per server like `getMulti`. */
  getsMulti<T = unknown>(keys: readonly string[], opts?: MultiOptions): Promise<Map<string, CasResult<T>>> {
    return this.runMulti('getsMulti', keys, opts, () => getsMulti<T>(this.ctx, keys, opts), 'multi');
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

  /**
   * Appends bytes to an existing value (its TTL and flags unchanged). `false`
   * when the key does not exist. Accepts `noreply`, like `set`.
   */
  append(key: string | Uint8Array, value: string | Uint8Array, opts?: WriteOptions): Promise<boolean> {
    return this.store('append', key, value, opts, 'write');
  }

  /** Prepends bytes to an existing value (its TTL and flags unchanged). `false` when the key does not exist. Accepts `noreply`. */
  prepend(key: string | Uint8Array, value: string | Uint8Array, opts?: WriteOptions): Promise<boolean> {
    return this.store('prepend', key, value, opts, 'write');
  }

  /** Compare-and-swap: stores only if the item's CAS is still `cas`. `false` on conflict or miss. */
  cas(key: string | Uint8Array, value: unknown, cas: bigint, opts?: SetOptions): Promise<boolean> {
    return this.run('cas', 'store', opts, () => store(this.ctx, 'cas', key, value, cas, opts), key);
  }

  /**
   * Stores many entries; resolves with the keys that were NOT stored. When some servers fail:
   * ERR_PARTIAL_FAILURE, `.partial` the answering servers' not-stored keys, `.failures` the rest.
   */
  setMulti(
    entries: Iterable<readonly [string, unknown]> | Record<string, unknown>,
    opts?: MultiOptions & { ttl?: number },
  ): Promise<string[]> {
    if (typeof entries !== 'object' || entries === null) {
      return Promise.reject(
        new MemkitError(
          'ERR_INVALID_ARGUMENT',
          `setMulti: entries must be an iterable of [key, value] or an object, got ${typeof entries}`,
        ),
      );
    }
    let list: Array<readonly [string, unknown]>;
    try {
      list = Symbol.iterator in entries ? [...entries] : Object.entries(entries);
    } catch (err) {
      return Promise.reject(err);
    }
    const keys = tracingCalls() || this.missOnError ? list.map((e) => e[0]) : undefined;
    return this.run('setMulti', 'setMulti', opts, () => setMulti(this.ctx, list, opts), undefined, keys);
  }

  /** Deletes. `true` when an item was deleted, `false` when there was none. */
  delete(key: string | Uint8Array, opts?: CommandOptions): Promise<boolean> {
    return this.run('delete', 'command', opts, () => del(this.ctx, key, opts), key);
  }

  /**
   * Deletes many keys; resolves with the keys that were not found. When some servers fail:
   * ERR_PARTIAL_FAILURE, `.partial` the answering servers' not-found keys, `.failures` the rest.
   */
  deleteMulti(keys: readonly string[], opts?: MultiOptions): Promise<string[]> {
    return this.runMulti('deleteMulti', keys, opts, () => deleteMulti(this.ctx, keys, opts));
  }

  /**
   * Increments a decimal value (unsigned 64-bit, wraps at 2^64). `undefined` when missing, unless
   * `opts.initial` creates it (see `ArithmeticOptions`): `incr('hits', 1, { initial: 1, ttl: 3600 })`.
   */
  incr(
    key: string | Uint8Array,
    delta: number | bigint = 1,
    opts?: ArithmeticOptions,
  ): Promise<bigint | undefined> {
    return this.run('incr', 'arithmetic', opts, () => arithmetic(this.ctx, 'incr', key, delta, opts), key);
  }

  /** Decrements a decimal value (stops at 0). `undefined` when missing; `opts.initial` as for `incr`. */
  decr(
    key: string | Uint8Array,
    delta: number | bigint = 1,
    opts?: ArithmeticOptions,
  ): Promise<bigint | undefined> {
    return this.run('decr', 'arithmetic', opts, () => arithmetic(this.ctx, 'decr', key, delta, opts), key);
  }

  /** Sets a new TTL (seconds). `false` when the key does not exist. */
  touch(key: string | Uint8Array, ttlSeconds: number, opts?: CommandOptions): Promise<boolean> {
    return this.run('touch', 'command', opts, () => touch(this.ctx, key, ttlSeconds, opts), key);
  }

  /** Read-through caching with stampede protection: see `GetOrSetOptions`. */
  getOrSet<T>(key: string, loader: Loader<T>, opts?: GetOrSetOptions): Promise<T> {
    return this.run(
      'getOrSet',
      'getOrSet',
      opts,
      () => getOrSet(this.ctx, key, loader, opts),
      key,
      undefined,
      'outcome',
    );
  }

  /** `stats [arg]` of every server: one `ServerResult` per server, in configuration order; a failed server is `ok: false`. */
  stats(arg?: string, opts?: CommandOptions): Promise<ServerResult<Record<string, string>>[]> {
    return this.run('stats', 'command', opts, () => stats(this.ctx, arg, opts));
  }

  /** The version of every server, one `ServerResult` per server (like `stats`). */
  version(opts?: CommandOptions): Promise<ServerResult<string>[]> {
    return this.run('version', 'command', opts, () => version(this.ctx, opts));
  }

  /** Invalidates every item on every server (after `delaySeconds`); one `ServerResult` per server (like `stats`). */
  flushAll(delaySeconds?: number, opts?: CommandOptions): Promise<ServerResult<void>[]> {
    return this.run('flushAll', 'command', opts, () => flushAll(this.ctx, delaySeconds, opts));
  }

  /**
   * Item metadata of every server via `lru_crawler metadump hash` (an admin walk of the whole
   * cache; `all`, the LRU walk that can miss items in motion, on memcached before 1.6.9); per
   * server like `stats`.
   */
  metadump(opts?: CommandOptions): Promise<ServerResult<MetadumpReply[]>[]> {
    return this.run('metadump', 'command', opts, () => metadump(this.ctx, opts));
  }

  /**
   * Escape hatch (pymemcache's `raw_command`): ONE command memkit does not wrap, sent to `server` on a
   * connection of its own; the lines of its reply (one, or up to `opts.terminator`). It cannot inject:
   * see `RawCommandOptions`. `rawCommand(server, 'stats detail dump', { terminator: 'END' })`.
   */
  rawCommand(server: string, line: string, opts?: RawCommandOptions): Promise<string[]> {
    return this.run('rawCommand', 'raw', opts, () => rawCommand(this.ctx, server, line, opts));
  }

  /**
   * The address of the server that holds `key` right now (after prefixing and
   * failover), like python-memcached's `_get_server`; with `replicas`, the
   * copy reads go to (see `replicasFor` for all of them). Throws ERR_SERVER_DEAD
   * when no server can take it, and ERR_KEY_INVALID when that server's
   * dialect cannot write the key (a binary key on a text server; with
   * `protocol: 'auto'`, known once the server's protocol is).
   */
  serverFor(key: string | Uint8Array): string {
    const k = this.ctx.key(key, undefined, true);
    const pool = this.ctx.replicated ? readPool(this.ctx, k) : this.ctx.cluster.poolFor(k.route);
    pool.dialect.checkKey(k);
    return pool.node.address;
  }

  /**
   * The servers that hold copies of `key` (`replicas` option), in replica
   * order, dead ones included: the first live one is where reads go. One
   * server (the key's home) when `replicas` is 1.
   */
  replicasFor(key: string | Uint8Array): string[] {
    const k = this.ctx.key(key, undefined, true);
    const ring = this.ctx.cluster.current;
    if (!this.ctx.replicated || ring.locator?.locateN === undefined) return [this.serverFor(key)];
    return ring.locator.locateN(k.route, this.ctx.options.replicas).map((n) => n.address);
  }

  /**
   * The memcached key this client sends for `key`: the prefix applied and,
   * with `keyMapping: 'auto'`, mapped (see `mapKey`). With `'strict'` it
   * throws `ERR_KEY_INVALID` for a key the client would reject.
   */
  mappedKey(key: string): MappedKey {
    if (typeof key !== 'string') {
      throw new MemkitError('ERR_KEY_INVALID', `a key must be a string, got ${typeof key}`);
    }
    const w = this.ctx.key(key, undefined, true);
    return 'form' in w ? (w as MappedKey) : { form: 'text', wire: w.wire, base64: false, route: w.route };
  }

  /**
   * Counters and size of the near cache (option `nearCache`), or undefined
   * when it is off. Shared by the client and its `withKeyOptions` views.
   */
  nearCacheStats(): NearCacheStats | undefined {
    return this.ctx.near?.stats();
  }

  /**
   * The current server addresses: in configuration order, or (with
   * `discovery`) the last applied topology in ring order; empty until
   * discovery's first answer. (A method since discovery made the list change.)
   */
  servers(): string[] {
    return this.ctx.cluster.nodes.map((n) => n.address);
  }

  /** What the `warmFrom` route did so far (old-cluster lookups, hits, adds…); undefined without `warmFrom`. */
  warmUpStats(): WarmUpStats | undefined {
    return this.routes?.warmUp?.stats();
  }

  /** What the `shadow` route did so far (mirrored, dropped, failed, compared reads…); undefined without `shadow`. */
  shadowStats(): ShadowStats | undefined {
    return this.routes?.shadow?.stats();
  }

  /** The prefix added to every key (`keyPrefix` option). */
  get keyPrefix(): string {
    return this.ctx.options.keyPrefix;
  }

  /** How string keys are treated (`keyMapping` option): `'strict'` or `'auto'`. */
  get keyMapping(): KeyMapping {
    return this.ctx.options.keyMapping;
  }

  /**
   * A view of this client with other key handling: it shares the connections,
   * serializer, options and events of this client, and differs only in
   * `keyPrefix` (which replaces this client's; extend it with
   * `client.keyPrefix + 'more:'`) and/or `keyMapping`. Views are cheap; closing
   * one closes the shared connections, like closing the client.
   *
   * @example
   * const anyKey = client.withKeyOptions({ keyMapping: 'auto' });
   * await anyKey.set('a key with spaces', 1); // sent as a binary key
   */
  withKeyOptions(options: KeyOptions): Client {
    const view = Object.create(this) as Client;
    (view as unknown as { ctx: Context }).ctx = keyOptionsView(this.ctx, options);
    return view;
  }

  /**
   * Closes the client. New calls fail with ERR_CLIENT_CLOSED from now on.
   *
   * - `close()`: at once; every pending command fails with ERR_CLIENT_CLOSED.
   * - `close({ graceful: true })`: the commands already queued or in flight
   *   finish (each within its own timeout), then every connection sends
   *   `quit` and closes. With `timeout` (ms), whatever is still pending after
   *   that long fails with ERR_CLIENT_CLOSED and the sockets are destroyed.
   *
   * Resolves once every socket is closed. Idempotent; a `close()` during a
   * graceful close cuts it short. `await using` closes gracefully.
   */
  close(options?: CloseOptions): Promise<void> {
    // A withKeyOptions view shares its client's connections: closing it closes them.
    if (this.root !== this) return this.root.close(options);
    try {
      checkCloseOptions(options);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!this.closed) forget(this.ctx.cluster);
    this.closed = true;
    this.stopDiscovery();
    if (!options?.graceful) {
      this.ctx.cluster.close();
      return this.closing ?? Promise.resolve();
    }
    this.closing ??= this.drain(options.timeout);
    return this.closing;
  }

  /** Closes the client (same as `close()`), for `await using client = new Client(…)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close({ graceful: true });
  }

  private async drain(timeout: number | undefined): Promise<void> {
    const cluster = this.ctx.cluster;
    const force = timeout === undefined ? undefined : setTimeout(() => cluster.close(), timeout);
    try {
      await cluster.end();
    } finally {
      clearTimeout(force);
    }
  }

  private store(
    kind: StoreKind,
    key: string | Uint8Array,
    value: unknown,
    opts?: SetOptions,
    options: 'store' | 'write' = 'store',
  ): Promise<boolean> {
    return this.run(kind, options, opts, () => store(this.ctx, kind, key, value, undefined, opts), key);
  }

  /** `run` for a multi-key call: the key list checked, the keys given to tracing. */
  private runMulti<T>(
    method: string,
    keys: readonly string[],
    opts: MultiOptions | undefined,
    fn: () => Promise<T>,
    hits: Hits = 'none',
  ): Promise<T> {
    const checked = () => {
      checkKeyList(method, keys);
      return fn();
    };
    return this.run(method, 'multi', opts, checked, undefined, keys, hits);
  }

  /**
   * Runs one public call: published on the `memkit:command` tracing channel
   * when someone subscribes (`key`/`keys` and how `hits` are counted describe
   * it), refused with ERR_CLIENT_CLOSED once `close()` began, its options
   * checked, a synchronous throw (invalid key, value too large) turned
   * into a rejected promise, and with `onError: 'miss'` an outage turned
   * into a miss.
   */
  private run<T>(
    method: string,
    kind: CallKind,
    opts: unknown,
    fn: () => Promise<T>,
    key?: string | Uint8Array,
    keys?: readonly string[],
    hits: Hits = 'none',
  ): Promise<T> {
    let call: Promise<T>;
    if (tracingCalls()) {
      // A synchronous throw stays synchronous here: traceCall publishes it as error + end. (An
      // argument, not a named closure: the build would name a named one on every call.)
      call = traceCall(method, key, keys, this.ctx.cluster.nodes, hits, () => {
        this.check(method, kind, opts);
        return this.whenServers(opts, fn);
      });
    } else {
      try {
        this.check(method, kind, opts);
        call = this.whenServers(opts, fn);
      } catch (err) {
        call = Promise.reject(err);
      }
    }
    // onError: 'miss': outages resolve as misses (routes/on-error.ts).
    return this.missOnError ? missOnOutage(call, method, () => keysOf(key, keys), this.ctx.cluster) : call;
  }

  /** Runs `fn` now, or (before discovery's first server list) once there is one, waiting at most the call's timeout. */
  private whenServers<T>(opts: unknown, fn: () => Promise<T>): Promise<T> {
    const cluster = this.ctx.cluster;
    if (cluster.ready) return fn();
    const o = opts as CommandOptions | undefined;
    return cluster.whenReady(o?.timeout ?? this.ctx.options.timeout, o?.signal).then(fn);
  }

  /** Throws ERR_CLIENT_CLOSED once `close()` began, or the error of an invalid options argument. */
  private check(method: string, kind: CallKind, opts: unknown): void {
    // A withKeyOptions view is closed when the client it came from is.
    if (this.root.closed) throw new MemkitError('ERR_CLIENT_CLOSED', `${method}: the client is closed`);
    checkCallOptions(method, kind, opts);
  }
}

/** The caller's keys of a call, for a failure report (a `Uint8Array` key has no string form). */
function keysOf(
  key: string | Uint8Array | undefined,
  keys: readonly string[] | undefined,
): readonly string[] {
  if (keys !== undefined) return keys;
  return typeof key === 'string' ? [key] : [];
}
