/**
 * Client options: their types, and `resolveOptions`, which checks every
 * option against the table in `option-table.ts` and applies its defaults.
 * Durations are milliseconds; only memcached TTLs are seconds.
 */
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { MemkitError } from '@memkit/protocol';
import type { Client } from './client';
import type { KetamaHashing } from './cluster/ketama';
import type { NodeLocator, ServerNode } from './cluster/locator';
import { type DiscoveryOptions, type ResolvedDiscovery, resolveDiscovery } from './discovery/options';
import type { KeyMapping } from './key-mapping';
import type { NearCacheSettings } from './near-cache/near-cache';
import { isPlainObject, show, unknownName } from './option-checks';
import { CLIENT_OPTIONS, DEFAULT_NEAR_CACHE_MAX_BYTES, OPTION_NAMES } from './option-table';
import type { Serializer } from './serialization/index';
import { parseServers } from './servers';

export { DEFAULT_MAX_VALUE_SIZE } from './option-table';

/** A server given as an object. */
export interface ServerSpec {
  /** Host name or IP address. Default `127.0.0.1`. */
  host?: string;
  /** TCP port. Default 11211. */
  port?: number;
  /** Unix socket path (instead of host/port). */
  path?: string;
  /** Relative weight in the cluster (python-memcached's `('host:port', weight)`). Default 1. */
  weight?: number;
}

/** TLS settings. Certificate verification is on unless `rejectUnauthorized: false`. */
export interface TlsOptions {
  /** Trusted CA certificates (PEM), as for `tls.connect`. Default: Node's bundled roots. */
  ca?: TlsConnectionOptions['ca'];
  /** Client certificate (PEM) for mutual TLS. */
  cert?: TlsConnectionOptions['cert'];
  /** Private key (PEM) of `cert`. */
  key?: TlsConnectionOptions['key'];
  /** SNI and the name the certificate is checked against. Default: the host. */
  servername?: string;
  /** Default `true`: refuse servers whose certificate does not verify. */
  rejectUnauthorized?: boolean;
}

/**
 * ASCII authentication. `mode: 'memcached'` (default) is memcached's `-Y
 * authfile` scheme: a `set` whose value is `<username> <password>`, sent only
 * when the server asks for it (it answers a probe with `CLIENT_ERROR
 * unauthenticated`). `mode: 'memcachier'` is MemCachier's scheme: the first
 * command on every connection is `set <username> 0 0 <length>` with the
 * password as the value (MemCachier speaks the text protocol: pair it with
 * `protocol: 'text'`).
 */
export interface AuthOptions {
  /** The user name memcached's ASCII auth checks. */
  username: string;
  /** Its password. */
  password: string;
  /** Default `'memcached'`. */
  mode?: 'memcached' | 'memcachier';
}

/**
 * The near cache (client option `nearCache`): an in-process LRU of hot items
 * in front of memcached. See the README section "Near cache" for how stale a
 * read can be and when not to use it.
 */
export interface NearCacheOptions {
  /**
   * How long (ms) an entry may be served after the request that fetched or
   * last revalidated it was sent; past that, the next read revalidates it
   * (`mg <key> c t`: same CAS keeps it, another one refetches). Required: it
   * is the staleness you accept.
   */
  maxAge: number;
  /**
   * Bound on the memory the entries are counted for: each counts its wire
   * key's UTF-8 bytes, its value's serialized bytes (as memcached stores
   * them; a compressed text counts as its decoded length) and 96 bytes of
   * bookkeeping. The least recently used entries go first. Default 16 MiB.
   */
  maxBytes?: number;
}

/** The `gutter` option: the pool that takes dead servers' keys with `failover: 'gutter'`. */
export interface GutterOptions {
  /** The gutter servers, as in the `servers` option. */
  servers: string | ReadonlyArray<string | ServerSpec>;
  /** Seconds: every TTL written to the gutter is clamped to this (no-expiry too). Default 10. */
  ttl?: number;
}

/** The `shadow` option: a pool that gets a copy of some of the traffic. */
export interface ShadowOptions {
  /** The shadow servers, as in the `servers` option. */
  servers: string | ReadonlyArray<string | ServerSpec>;
  /** The share of keys (0–1, picked by key hash, so always the same keys) whose calls are mirrored. */
  fraction: number;
  /** Most mirrored calls in flight; past it new ones are dropped (counted). Default 1000. */
  maxQueue?: number;
}

/**
 * The `warmFrom` option as servers and options: the old cluster's client is
 * built from this client's options with these on top (and closed with it).
 */
export type WarmFromOptions = Omit<ClientOptions, 'servers'> & {
  /** The old cluster's servers, as in the `servers` option. */
  servers: string | ReadonlyArray<string | ServerSpec>;
};

/** Which key-to-server hashing a cluster uses (the ketama ones as `KetamaLocator`'s `hashing`). */
export type HashingName = KetamaHashing | 'modula';

// <generated:client-options> from option-table.ts by `pnpm --filter @memkit/client docs:tables`; do not edit.
/** Options of `new Client(...)`. Every field is optional; unknown names are refused with `ERR_INVALID_OPTION`. */
export interface ClientOptions {
  /**
   * The servers: an array of `'host:port'`, `'host:port:weight'`, `'[::1]:11211'`, `'/path/to.sock'` or
   * `{ host, port, weight }` / `{ path }`; or one string listing them separated by commas
   * (`'a:11211,b:11211'`).
   *
   * Default: `['127.0.0.1:11211']` (none with `discovery`).
   */
  servers?: string | ReadonlyArray<string | ServerSpec>;
  /**
   * Find the servers instead of listing them, and follow their changes while the client runs: `{
   * configEndpoint: 'host:port', interval }` (AWS ElastiCache, GCP Memorystore: `config get cluster`), `{
   * dns: 'name', port, interval }` (A/AAAA records, e.g. a Kubernetes headless Service) or `{ srv:
   * '_memcache._tcp.name', interval }` (SRV records); `interval` and `timeout` in ms. Not with `servers`.
   * Calls made before the first list arrives wait for it (within their timeout). See `servers()` and the
   * `topology` event.
   *
   * Default: off.
   */
  discovery?: DiscoveryOptions;
  /**
   * DNS servers for `discovery: { dns }` / `{ srv }` (`'ip'`, `'ip:port'`, `'[ipv6]:port'`) instead of
   * the system's; the same as `discovery.resolver`.
   *
   * Default: the system's.
   */
  resolver?: readonly string[];
  /**
   * Wire protocol. `'meta'` needs memcached ≥ 1.6.10; `'text'` works with any server. A server without
   * meta support fails with `ERR_UNSUPPORTED` naming this option. `'auto'` learns it per server on the
   * first connection (`version` + `mn`: meta when the server answers `MN` and is not memcached
   * 1.6.0–1.6.9, else text, said once by the `protocol` event); commands sent meanwhile wait for it
   * within their timeout. With `keyMapping: 'auto'` it never maps keys to binary wire keys, so a key's
   * item does not depend on the server.
   *
   * Default: `'meta'`.
   */
  protocol?: 'meta' | 'text' | 'auto';
  /**
   * Prepended to every key (counts towards the 250-byte key limit); python-memcached's `key_prefix`.
   *
   * Default: `''`.
   */
  keyPrefix?: string;
  /**
   * How string keys are treated. `'strict'`: a key must be a valid text key (1–250 UTF-8 bytes with the
   * prefix, no whitespace or control character), else the call rejects with `ERR_KEY_INVALID`, so every
   * key is exactly the key other clients (python-memcached, pylibmc) use. `'auto'`: every string is a
   * key: valid keys stay exactly as they are, others are sent as binary keys or in a fixed-length digest
   * form (see `mapKey`), in every key-taking command including the multi-key ones.
   *
   * Default: `'strict'`.
   */
  keyMapping?: KeyMapping;
  /**
   * How values become bytes + flags and back: `serialize(value)` → `{ bytes, flags }` and
   * `deserialize(bytes, flags)`.
   *
   * Default: python-memcached compatible.
   */
  serializer?: Serializer;
  /**
   * zlib-compress values longer than this many bytes (only when it shrinks them, flag 8). `0` disables.
   *
   * Default: `0` (off).
   */
  minCompressLength?: number;
  /**
   * Largest value accepted: larger ones are refused locally with `ERR_VALUE_TOO_LARGE` (memcached would
   * delete the existing item). Set it to your server's `-I` minus ~512.
   *
   * Default: `1048064` (1 MiB − 512 B).
   */
  maxValueSize?: number;
  /**
   * Per-command timeout (a call can override it). A command that times out after being written destroys
   * its connection.
   *
   * Default: `1000` ms.
   */
  timeout?: number;
  /**
   * Timeout of connecting: TCP, TLS handshake and auth.
   *
   * Default: `2000` ms.
   */
  connectTimeout?: number;
  /**
   * Sockets per server, all pipelined. The socket with requests outstanding takes every new command, so
   * un-awaited commands reach the server in order; a server with nothing outstanding gets its next
   * command on its next socket, which cuts idle round trips on VMs by a third (measured in
   * bench/RESULTS.md).
   *
   * Default: `2`.
   */
  connectionsPerServer?: number;
  /**
   * Most commands one server may have queued or in flight. Past it, calls fail at once with
   * `ERR_QUEUE_FULL` instead of piling up in memory while the server is stalled (sized in
   * bench/RESULTS.md). Writes also pause while the socket's buffer is full.
   *
   * Default: `100000`.
   */
  maxQueue?: number;
  /**
   * TCP keep-alive initial delay (`0` disables). TCP no-delay is always on.
   *
   * Default: `30000` ms.
   */
  keepAlive?: number;
  /**
   * `true` for TLS with defaults, or `{ ca, cert, key, servername, rejectUnauthorized = true }`.
   *
   * Default: off.
   */
  tls?: boolean | TlsOptions;
  /**
   * `{ username, password, mode? }`: ASCII authentication, `mode: 'memcached'` (memcached's `-Y
   * authfile`: a `set` of `<user> <password>` when the server asks) or `'memcachier'` (MemCachier: `set
   * <user> 0 0 <len>` + password as the first command of every connection; use with `protocol: 'text'`).
   *
   * Default: none.
   */
  auth?: AuthOptions;
  /**
   * First delay of the reconnect backoff after a failed connect, doubled per failure up to
   * `reconnectMaxDelay`. During backoff, commands fail fast with `ERR_CONNECT`.
   *
   * Default: `50` ms.
   */
  reconnectDelay?: number;
  /**
   * Upper bound of the reconnect backoff (at least `reconnectDelay`).
   *
   * Default: `2000` ms.
   */
  reconnectMaxDelay?: number;
  /**
   * Key-to-server hashing of a cluster: `'ketama'` (libmemcached weighted ketama, pylibmc
   * `ketama_weighted`), `'ketama-oaat'` (pylibmc `{"ketama": True}`), `'ketama-md5'`, `'modula'`
   * (python-memcached), or `(nodes) => NodeLocator`.
   *
   * Default: `'ketama'`.
   */
  hashing?: HashingName | ((nodes: readonly ServerNode[]) => NodeLocator);
  /**
   * Consecutive failures (failed connects, timeouts, dropped connections) before a server is marked dead.
   *
   * Default: `2`.
   */
  failureThreshold?: number;
  /**
   * How long a dead server stays out before it is probed again (python-memcached's `dead_retry`, which is
   * in seconds).
   *
   * Default: `30000` ms.
   */
  deadRetryDelay?: number;
  /**
   * The old name of `deadRetryDelay`, in seconds (`deadRetry: 30` is `deadRetryDelay: 30000`).
   *
   * Default: —.
   * @deprecated Use deadRetryDelay.
   */
  deadRetry?: number;
  /**
   * While a server is dead: move its keys to the live servers (`'rehash'`), fail them with
   * `ERR_SERVER_DEAD` (`'error'`), or send them to the `gutter` pool with short TTLs, leaving the live
   * servers' load as it was (`'gutter'`). See "Failures and outages" in the README.
   *
   * Default: `'rehash'`.
   */
  failover?: 'rehash' | 'error' | 'gutter';
  /**
   * `{ servers, ttl }` for `failover: 'gutter'`: a separate small pool (`servers` as in `servers`) that
   * takes the keys of dead servers, every TTL clamped to `ttl` seconds (default 10), so what it holds is
   * never more than `ttl` seconds stale.
   *
   * Default: none.
   */
  gutter?: GutterOptions;
  /**
   * Copies of each key (1–16), on that many distinct servers: ketama's owner then the next distinct
   * servers clockwise, modula's bucket then the next ones. Writes go to every live copy and settle when
   * all answered; reads go to the first healthy copy and on to the next on an outage (a miss is a miss).
   * More than the configured servers is refused (`ERR_INVALID_OPTION`); with `discovery` it is clamped to
   * the current members. Not with `failover: 'gutter'`; `failover` does not apply (a dead copy is
   * skipped, not rehashed). Needs `hashing` with `locateN` (the built-in ones). See "Replicas" in the
   * README.
   *
   * Default: `1`.
   */
  replicas?: number;
  /**
   * With `replicas` above 1, how many copies must answer a write (storage commands, delete, touch,
   * incr/decr, setMulti/deleteMulti) for it to count: every one, more than half, or one. Fewer:
   * `ERR_PARTIAL_FAILURE` with `.partial` and `.failures` per server. Enough, with some failed: the call
   * resolves and the failed copies go to the `replica:failure` event (`memkit:replica:failure`). Failed
   * and dead copies are invalidated before their server serves the key again.
   *
   * Default: `'all'`.
   */
  replicaWrites?: 'all' | 'majority' | 'any';
  /**
   * What a server or network failure does to a call: reject with its `MemkitError` (`'throw'`), or
   * (`'miss'`) read as a miss (`undefined`; multi-key: the key is absent) and write as not stored
   * (`false`; `setMulti`/`deleteMulti`: the failed keys are in the returned list; `getOrSet`: the
   * loader's value), never rejecting, the error going to the `failure` event and the
   * `memkit:call:failure` channel. Bad input still rejects.
   *
   * Default: `'throw'`.
   */
  onError?: 'throw' | 'miss';
  /**
   * Keys remembered per server for invalidation: keys written while their server was dead (or moved away
   * by a membership change, or whose write to it failed) are deleted on it before it serves again. Past
   * the budget the server is flushed (`flush_all`) on its return instead, said by the `invalidation`
   * event. About 75 bytes plus the key per remembered key; `0` turns it off.
   *
   * Default: `100000`.
   */
  invalidationBudget?: number;
  /**
   * An older cluster to warm this one from: a `Client` (used, never closed), its servers, or `{ servers,
   * ...options }` (a client built from this client's options and those, closed with it). A read that
   * misses here (get, gets, getMulti, getsMulti, getOrSet before its loader) reads there and, on a hit,
   * `add`s the value here with its remaining TTL there (`warmTtl` from a text-protocol server) and
   * returns it; failures there are misses. Writes go here only, each first deleting its key there (and
   * resolving once that settled, within its timeout), so a value deleted or replaced here never comes
   * back from there. See "Warm-up and shadow pools" in the README.
   *
   * Default: none.
   */
  warmFrom?: Client | string | ReadonlyArray<string | ServerSpec> | WarmFromOptions;
  /**
   * TTL of a value warmed from an old server that cannot tell its remaining TTL (one speaking the text
   * protocol): it lives that long here at most, then is read there again (if still there). `0`: no
   * expiry.
   *
   * Default: `60` s.
   */
  warmTtl?: number;
  /**
   * `{ servers, fraction, maxQueue? }`: mirror the calls (reads and writes) of a fixed `fraction` (0–1)
   * of the keys (chosen by key hash: the same keys in every process) to another pool, fire-and-forget:
   * its answers, failures and latency never reach the caller; past `maxQueue` (default 1000) mirrored
   * calls in flight, new ones are dropped. `client.shadowStats()` counts them and how many reads the
   * shadow answered differently.
   *
   * Default: none.
   */
  shadow?: ShadowOptions;
  /**
   * An in-process LRU of hot keys in front of memcached: `{ maxAge, maxBytes = 16 MiB }`. It needs the
   * meta protocol: refused with `protocol: 'text'`; with `'auto'`, servers found to speak text are read
   * without it (and a warning says so). An item is cached when memcached reports it hot (`mg` flags `h1`,
   * `l` ≤ 1 s); an entry is served for at most `maxAge` ms after the request that fetched or revalidated
   * it was sent, then revalidated by CAS. Writes through this client are seen at once, other processes'
   * writes within `maxAge`: see "Near cache" in the README.
   *
   * Default: off.
   */
  nearCache?: false | NearCacheOptions;
  /**
   * Flush a server that comes back from the dead before using it again (python-memcached's
   * `flush_on_reconnect`).
   *
   * Default: `false`.
   */
  flushOnReconnect?: boolean;
}
// </generated:client-options>

/** Options every command accepts. */
export interface CommandOptions {
  /** Overrides the client's `timeout` (ms, above 0) for this call. */
  timeout?: number;
  /**
   * Aborts the call with `ERR_ABORTED`. A command not yet written leaves the
   * queue; one already written stays in the pipeline to swallow its reply
   * (the connection is kept).
   */
  signal?: AbortSignal;
}

/** Resolved options with every default applied. */
export interface ResolvedOptions {
  /** The configured servers; none with `discovery` (they come from it). */
  servers: ServerNode[];
  discovery: ResolvedDiscovery | undefined;
  protocol: 'meta' | 'text' | 'auto';
  keyPrefix: string;
  keyMapping: KeyMapping;
  maxValueSize: number;
  minCompressLength: number;
  timeout: number;
  connectTimeout: number;
  connectionsPerServer: number;
  maxQueue: number;
  keepAlive: number;
  tls: TlsOptions | undefined;
  auth: AuthOptions | undefined;
  reconnectDelay: number;
  reconnectMaxDelay: number;
  hashing: HashingName | ((nodes: readonly ServerNode[]) => NodeLocator);
  failureThreshold: number;
  deadRetryDelay: number;
  failover: 'rehash' | 'error' | 'gutter';
  flushOnReconnect: boolean;
  serializer: Serializer | undefined;
  nearCache: NearCacheSettings | undefined;
  /** With `failover: 'gutter'`: its servers and TTL cap (seconds). */
  gutter: { servers: ServerNode[]; ttl: number } | undefined;
  replicas: number;
  replicaWrites: 'all' | 'majority' | 'any';
  onError: 'throw' | 'miss';
  invalidationBudget: number;
  /** The old cluster's client, or the options to build it from (`servers` always set). */
  warmFrom: Client | WarmFromOptions | undefined;
  warmTtl: number;
  shadow: { servers: ServerNode[]; fraction: number; maxQueue: number | undefined } | undefined;
}

/** Default `gutter.ttl`, seconds. */
export const DEFAULT_GUTTER_TTL = 10;

let warnedDeadRetry = false;

/** Checks every option (throwing `ERR_INVALID_OPTION`) and applies the defaults. */
export function resolveOptions(input: ClientOptions = {}): ResolvedOptions {
  if (!isPlainObject(input)) {
    throw invalid(
      `client options must be an object such as { servers: ['127.0.0.1:11211'] }, got ${show(input)}`,
    );
  }
  const unknown = unknownName(input, OPTION_NAMES);
  const o = input as ClientOptions;
  if (unknown) throw invalid(unknown);
  for (const name of OPTION_NAMES) {
    const value = o[name];
    if (value === undefined) continue;
    const why = CLIENT_OPTIONS[name].check(value);
    if (why) throw invalid(`option ${name} ${why}`);
  }
  const pick = <K extends keyof ClientOptions>(name: K) =>
    (o[name] ?? CLIENT_OPTIONS[name].default) as Exclude<ClientOptions[K], undefined>;

  if (o.discovery !== undefined && o.servers !== undefined) {
    throw invalid(
      'give servers or discovery, not both: with discovery the servers are found (and followed) for you',
    );
  }
  if (o.resolver !== undefined && o.discovery === undefined) {
    throw invalid('option resolver applies to discovery: { dns } or { srv } only');
  }
  const resolved: ResolvedOptions = {
    servers: o.discovery === undefined ? resolveServers(pick('servers')) : [],
    discovery: o.discovery === undefined ? undefined : checkedDiscovery(o.discovery, o.resolver),
    protocol: pick('protocol'),
    keyPrefix: pick('keyPrefix'),
    keyMapping: pick('keyMapping'),
    maxValueSize: pick('maxValueSize'),
    minCompressLength: pick('minCompressLength'),
    timeout: pick('timeout'),
    connectTimeout: pick('connectTimeout'),
    connectionsPerServer: pick('connectionsPerServer'),
    maxQueue: pick('maxQueue'),
    keepAlive: pick('keepAlive'),
    tls: o.tls === true ? {} : o.tls || undefined,
    auth: o.auth && { ...o.auth, mode: o.auth.mode ?? 'memcached' },
    reconnectDelay: pick('reconnectDelay'),
    reconnectMaxDelay: pick('reconnectMaxDelay'),
    hashing: pick('hashing'),
    failureThreshold: pick('failureThreshold'),
    deadRetryDelay: resolveDeadRetryDelay(o),
    failover: pick('failover'),
    flushOnReconnect: pick('flushOnReconnect'),
    serializer: o.serializer,
    nearCache: o.nearCache
      ? { maxAge: o.nearCache.maxAge, maxBytes: o.nearCache.maxBytes ?? DEFAULT_NEAR_CACHE_MAX_BYTES }
      : undefined,
    gutter: o.gutter && {
      servers: resolveServers(o.gutter.servers, 'gutter.'),
      ttl: o.gutter.ttl ?? DEFAULT_GUTTER_TTL,
    },
    replicas: pick('replicas'),
    replicaWrites: pick('replicaWrites'),
    onError: pick('onError'),
    invalidationBudget: pick('invalidationBudget'),
    warmFrom: undefined,
    warmTtl: pick('warmTtl'),
    shadow: o.shadow && {
      servers: resolveServers(o.shadow.servers, 'shadow.'),
      fraction: o.shadow.fraction,
      maxQueue: o.shadow.maxQueue,
    },
  };
  if (resolved.nearCache && resolved.protocol === 'text') {
    throw invalid(
      "option nearCache needs protocol: 'meta' or 'auto' (its admission rule and revalidation read meta flags h, l and c, which the text protocol does not return)",
    );
  }
  if (resolved.nearCache && resolved.replicas > 1) {
    throw invalid(
      'option nearCache cannot be combined with replicas above 1 (its entries follow one server per key, and replicated writes would not drop them)',
    );
  }
  resolved.warmFrom = resolveWarmFrom(o.warmFrom, resolved.servers);
  if (resolved.shadow) apart('shadow.servers', resolved.shadow.servers, resolved.servers);
  checkRoutes(resolved);
  if (resolved.reconnectMaxDelay < resolved.reconnectDelay) {
    throw invalid(
      `option reconnectMaxDelay (${resolved.reconnectMaxDelay} ms) must be at least reconnectDelay (${resolved.reconnectDelay} ms)`,
    );
  }
  return resolved;
}

/** `discovery` (with the top-level `resolver`), validated. */
function checkedDiscovery(d: DiscoveryOptions, resolver: readonly string[] | undefined): ResolvedDiscovery {
  try {
    return resolveDiscovery(d, resolver);
  } catch (err) {
    throw invalid(`option ${(err as Error).message}`, err);
  }
}

/** `servers` as nodes: an array, or one comma-separated string (`within` names the option holding them). */
function resolveServers(servers: string | ReadonlyArray<string | ServerSpec>, within = ''): ServerNode[] {
  const list = typeof servers === 'string' ? servers.split(',').filter((s) => s.trim() !== '') : servers;
  try {
    return parseServers(list);
  } catch (err) {
    throw invalid(`option ${within}${(err as Error).message}`, err);
  }
}

/** `warmFrom`: a client as it is; servers as `{ servers }` (checked now, like every server list). */
function resolveWarmFrom(
  w: ClientOptions['warmFrom'],
  primaries: readonly ServerNode[],
): Client | WarmFromOptions | undefined {
  if (w === undefined) return undefined;
  if (typeof (w as { get?: unknown }).get === 'function') return w as Client;
  const options: WarmFromOptions =
    typeof w === 'string' || Array.isArray(w) ? { servers: w as string } : (w as WarmFromOptions);
  apart('warmFrom', resolveServers(options.servers, 'warmFrom: '), primaries);
  return options;
}

/** Refuses a route pool (old cluster, shadow pool) that shares a server with this client's own. */
function apart(name: string, pool: readonly ServerNode[], primaries: readonly ServerNode[]): void {
  const own = new Set(primaries.map((n) => n.address));
  const shared = pool.find((n) => own.has(n.address));
  if (shared) throw invalid(`option ${name}: ${shared.address} is also in servers; it must be other servers`);
}

/** The resilience options that only make sense together. */
function checkRoutes(r: ResolvedOptions): void {
  if (r.failover === 'gutter' && r.gutter === undefined)
    throw invalid("option failover: 'gutter' needs the gutter option: { servers: [...], ttl: 10 }");
  if (r.gutter !== undefined && r.failover !== 'gutter')
    throw invalid("option gutter is used only with failover: 'gutter'; add failover: 'gutter'");
  if (r.gutter) {
    const primaries = new Set(r.servers.map((n) => n.address));
    const shared = r.gutter.servers.find((n) => primaries.has(n.address));
    if (shared)
      throw invalid(
        `option gutter.servers: ${shared.address} is also in servers; the gutter pool must be other servers`,
      );
  }
  if (r.replicas > 1 && r.discovery === undefined && r.replicas > r.servers.length)
    throw invalid(`option replicas (${r.replicas}) is more than the ${r.servers.length} server(s)`);
  // A dead replica is skipped, never replaced: a gutter pool would hold copies no read looks for.
  if (r.replicas > 1 && r.failover === 'gutter')
    throw invalid(
      "option replicas above 1 does not combine with failover: 'gutter' (dead copies are skipped, not moved)",
    );
}

/** `deadRetryDelay` (ms), or the deprecated `deadRetry` (seconds) with a one-time warning. */
function resolveDeadRetryDelay(o: ClientOptions): number {
  if (o.deadRetry === undefined) return o.deadRetryDelay ?? (CLIENT_OPTIONS.deadRetryDelay.default as number);
  if (o.deadRetryDelay !== undefined) {
    throw invalid('give deadRetryDelay (milliseconds) or the deprecated deadRetry (seconds), not both');
  }
  if (!warnedDeadRetry) {
    warnedDeadRetry = true;
    process.emitWarning(
      `memkit: the client option deadRetry (seconds) is deprecated; use deadRetryDelay in milliseconds (deadRetry: ${o.deadRetry} is deadRetryDelay: ${o.deadRetry * 1000})`,
      { type: 'DeprecationWarning', code: 'MEMKIT_DEP_DEAD_RETRY' },
    );
  }
  return o.deadRetry * 1000;
}

function invalid(message: string, cause?: unknown): MemkitError {
  return new MemkitError('ERR_INVALID_OPTION', message, cause === undefined ? {} : { cause });
}
