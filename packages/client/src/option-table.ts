/**
 * The one table of client options: for each, its TypeScript type, meaning,
 * default, unit and check. `resolveOptions` validates and applies defaults
 * from it, and the docs script generates from it both the `ClientOptions`
 * interface (with its TSDoc) and the option table of the README, so code,
 * types and docs cannot drift apart. Adding an option means adding a row here
 * (then `pnpm --filter @memkit/client docs:tables`).
 */
import { validateKey } from '@memkit/protocol';
import type { NodeLocator, ServerNode } from './cluster/locator';
import type { DiscoveryOptions } from './discovery/options';
import type { KeyMapping } from './key-mapping';
import {
  type Check,
  isBoolean,
  isPlainObject,
  isString,
  MAX_TIMER_MS,
  nonNegativeMs,
  numberIn,
  oneOf,
  positiveInt,
  positiveMs,
  show,
  unknownName,
} from './option-checks';
import type {
  AuthOptions,
  ClientOptions,
  GutterOptions,
  HashingName,
  NearCacheOptions,
  ServerSpec,
  ShadowOptions,
  TlsOptions,
} from './options';
import type { Serializer } from './serialization/index';

/** One client option. */
export interface OptionDescriptor<T> {
  /** Its TypeScript type, as `ClientOptions` declares it. */
  type: string;
  /** What it does (the TSDoc and the README text). */
  doc: string;
  /** The value used when the option is absent (`undefined`: none). */
  default: T | undefined;
  /** How the docs show the default, where the value itself would not say it well. */
  defaultText?: string;
  /** The unit of a number: every duration is in milliseconds, sizes in bytes. */
  unit?: 'ms' | 'seconds' | 'bytes';
  /** Set on a replaced option: what to use instead. Using it warns once. */
  deprecated?: string;
  /** Why a given value (never `undefined`) is refused, or undefined. */
  check: Check;
}

type OptionTable = { [K in keyof ClientOptions]-?: OptionDescriptor<Exclude<ClientOptions[K], undefined>> };

export const HASHING_NAMES: readonly HashingName[] = ['ketama', 'ketama-oaat', 'ketama-md5', 'modula'];

/** The default `maxQueue`: see bench/RESULTS.md for the measurement behind it. */
export const DEFAULT_MAX_QUEUE = 100_000;

/** The default per-value limit: memcached's 1 MiB item minus room for its item header and key. */
export const DEFAULT_MAX_VALUE_SIZE = 1024 * 1024 - 512;

/** The default `nearCache.maxBytes`. */
export const DEFAULT_NEAR_CACHE_MAX_BYTES = 16 * 1024 * 1024;

const TLS_KEYS: readonly (keyof TlsOptions)[] = ['ca', 'cert', 'key', 'servername', 'rejectUnauthorized'];

const checkTls: Check = (v) => {
  if (typeof v === 'boolean') return undefined;
  if (!isPlainObject(v))
    return `must be true, false or { ca, cert, key, servername, rejectUnauthorized }, got ${show(v)}`;
  const unknown = unknownName(v, TLS_KEYS);
  if (unknown) return `has an ${unknown}`;
  if (v.servername !== undefined && typeof v.servername !== 'string') return 'servername must be a string';
  if (v.rejectUnauthorized !== undefined && typeof v.rejectUnauthorized !== 'boolean') {
    return 'rejectUnauthorized must be true or false';
  }
  return undefined;
};

const checkAuth: Check = (v) => {
  if (!isPlainObject(v)) return `must be { username, password, mode? }, got ${show(v)}`;
  const unknown = unknownName(v, ['username', 'password', 'mode'] satisfies (keyof AuthOptions)[]);
  if (unknown) return `has an ${unknown}`;
  // memcached splits "username password" at the first space.
  if (typeof v.username !== 'string' || !/^[^\s]+$/.test(v.username)) {
    return 'username must be a non-empty string without spaces';
  }
  if (typeof v.password !== 'string') return 'password must be a string';
  if (v.mode !== undefined && v.mode !== 'memcached' && v.mode !== 'memcachier') {
    return `mode must be 'memcached' or 'memcachier', got ${show(v.mode)}`;
  }
  // MemCachier's user name goes on the wire as a key.
  if (v.mode === 'memcachier' && !/^[\x21-\x7e]{1,250}$/.test(v.username)) {
    return 'username must be 1-250 printable ASCII characters for MemCachier auth';
  }
  return undefined;
};

// Deep checks (one of configEndpoint/dns/srv, names, resolvers) are resolveDiscovery's.
const checkDiscovery: Check = (v) =>
  isPlainObject(v) ? undefined : `must be { configEndpoint } | { dns, port? } | { srv }, got ${show(v)}`;

const checkResolver: Check = (v) =>
  Array.isArray(v) && v.length > 0 && v.every((r) => typeof r === 'string')
    ? undefined
    : `must be a non-empty array of 'ip[:port]' strings, got ${show(v)}`;

const checkKeyPrefix: Check = (v) => {
  if (typeof v !== 'string') return isString(v);
  if (v === '') return undefined;
  try {
    validateKey(v);
    return undefined;
  } catch (err) {
    return `must be usable at the start of a key: ${(err as Error).message}`;
  }
};

const checkNearCache: Check = (v) => {
  if (v === false) return undefined;
  if (!isPlainObject(v)) return `must be false or { maxAge, maxBytes? }, got ${show(v)}`;
  const unknown = unknownName(v, ['maxAge', 'maxBytes'] satisfies (keyof NearCacheOptions)[]);
  if (unknown) return `has an ${unknown}`;
  if (v.maxAge === undefined)
    return 'needs maxAge: how long (ms) an entry may be served before it is revalidated';
  const age = positiveMs(v.maxAge);
  if (age) return `maxAge ${age}`;
  const bytes = v.maxBytes === undefined ? undefined : positiveInt()(v.maxBytes);
  return bytes ? `maxBytes ${bytes}` : undefined;
};

const checkSerializer: Check = (v) =>
  isPlainObject(v) && typeof v.serialize === 'function' && typeof v.deserialize === 'function'
    ? undefined
    : `must be an object with serialize(value) and deserialize(bytes, flags), got ${show(v)}`;

const checkHashing: Check = (v) =>
  typeof v === 'function'
    ? undefined
    : oneOf(HASHING_NAMES)(v)?.replace(', got', ', or (nodes) => NodeLocator, got');

const checkPool = (name: string, v: Record<string, unknown>): string | undefined =>
  typeof v.servers === 'string' || (Array.isArray(v.servers) && v.servers.length > 0)
    ? undefined
    : `${name}.servers must be a non-empty array of servers (or one comma-separated string), got ${show(v.servers)}`;

const checkGutter: Check = (v) => {
  if (!isPlainObject(v)) return `must be { servers, ttl? }, got ${show(v)}`;
  const unknown = unknownName(v, ['servers', 'ttl'] satisfies (keyof GutterOptions)[]);
  if (unknown) return `has an ${unknown}`;
  if (v.ttl !== undefined) {
    const bad = numberIn(1, 2592000, false, 'a number of seconds from 1 to 2592000 (30 days)')(v.ttl);
    if (bad) return `ttl ${bad}`;
  }
  return checkPool('gutter', v)?.replace(/^gutter\./, '');
};

const checkShadow: Check = (v) => {
  if (!isPlainObject(v)) return `must be { servers, fraction, maxQueue? }, got ${show(v)}`;
  const unknown = unknownName(v, ['servers', 'fraction', 'maxQueue'] satisfies (keyof ShadowOptions)[]);
  if (unknown) return `has an ${unknown}`;
  const bad = numberIn(0, 1, false, 'a number from 0 to 1')(v.fraction);
  if (bad) return `fraction ${bad}`;
  const badQueue = v.maxQueue === undefined ? undefined : positiveInt()(v.maxQueue);
  if (badQueue) return `maxQueue ${badQueue}`;
  return checkPool('shadow', v)?.replace(/^shadow\./, '');
};

/** Options of the main client that a `warmFrom` object cannot hold (the old cluster has no routes of its own). */
const NOT_IN_WARM_FROM = [
  'discovery',
  'warmFrom',
  'warmTtl',
  'shadow',
  'gutter',
  'replicas',
  'replicaWrites',
];

const checkWarmFrom: Check = (v) => {
  if (typeof v === 'string' || (Array.isArray(v) && v.length > 0)) return undefined;
  if (typeof v === 'object' && v !== null && typeof (v as { get?: unknown }).get === 'function')
    return undefined;
  if (isPlainObject(v)) {
    const routed = NOT_IN_WARM_FROM.find((name) => v[name] !== undefined);
    if (routed) return `cannot hold ${routed}: the old cluster is read and written as plain servers`;
    return checkPool('warmFrom', v)?.replace(/^warmFrom\./, '');
  }
  return `must be a Client, its servers (an array, or one comma-separated string) or { servers, ...options }, got ${show(v)}`;
};

const checkServers: Check = (v) =>
  typeof v === 'string' || Array.isArray(v)
    ? undefined
    : `must be an array of servers (or one comma-separated string), got ${show(v)}`;

// Check and default types are spelled out per row so the table stays the single place to read.
export const CLIENT_OPTIONS: OptionTable = {
  servers: {
    type: 'string | ReadonlyArray<string | ServerSpec>',
    doc:
      "The servers: an array of `'host:port'`, `'host:port:weight'`, `'[::1]:11211'`, `'/path/to.sock'` " +
      "or `{ host, port, weight }` / `{ path }`; or one string listing them separated by commas (`'a:11211,b:11211'`).",
    default: ['127.0.0.1:11211'] as ReadonlyArray<string | ServerSpec>,
    defaultText: "`['127.0.0.1:11211']` (none with `discovery`)",
    check: checkServers,
  },
  discovery: {
    type: 'DiscoveryOptions',
    doc:
      'Find the servers instead of listing them, and follow their changes while the client runs: ' +
      "`{ configEndpoint: 'host:port', interval }` (AWS ElastiCache, GCP Memorystore: `config get cluster`), " +
      "`{ dns: 'name', port, interval }` (A/AAAA records, e.g. a Kubernetes headless Service) or " +
      "`{ srv: '_memcache._tcp.name', interval }` (SRV records); `interval` and `timeout` in ms. " +
      'Not with `servers`. Calls made before the first list arrives wait for it (within their timeout). ' +
      'See `servers()` and the `topology` event.',
    default: undefined as DiscoveryOptions | undefined,
    defaultText: 'off',
    check: checkDiscovery,
  },
  resolver: {
    type: 'readonly string[]',
    doc: "DNS servers for `discovery: { dns }` / `{ srv }` (`'ip'`, `'ip:port'`, `'[ipv6]:port'`) instead of the system's; the same as `discovery.resolver`.",
    default: undefined as readonly string[] | undefined,
    defaultText: "the system's",
    check: checkResolver,
  },
  protocol: {
    type: "'meta' | 'text' | 'auto'",
    doc:
      "Wire protocol. `'meta'` needs memcached ≥ 1.6.10; `'text'` works with any server. " +
      'A server without meta support fails with `ERR_UNSUPPORTED` naming this option. ' +
      "`'auto'` learns it per server on the first connection (`version` + `mn`: meta when the server " +
      'answers `MN` and is not memcached 1.6.0–1.6.9, else text, said once by the `protocol` event); ' +
      'commands sent meanwhile wait for it within their timeout. With `keyMapping: ' +
      "'auto'` it never maps keys to binary wire keys, so a key's item does not depend on the server.",
    default: 'meta',
    check: oneOf(['meta', 'text', 'auto']),
  },
  keyPrefix: {
    type: 'string',
    doc: "Prepended to every key (counts towards the 250-byte key limit); python-memcached's `key_prefix`.",
    default: '',
    defaultText: "`''`",
    check: checkKeyPrefix,
  },
  keyMapping: {
    type: 'KeyMapping',
    doc:
      "How string keys are treated. `'strict'`: a key must be a valid text key (1–250 UTF-8 bytes with the prefix, " +
      'no whitespace or control character), else the call rejects with `ERR_KEY_INVALID`, so every key is exactly ' +
      "the key other clients (python-memcached, pylibmc) use. `'auto'`: every string is a key: valid keys stay " +
      'exactly as they are, others are sent as binary keys or in a fixed-length digest form (see `mapKey`), in every ' +
      'key-taking command including the multi-key ones.',
    default: 'strict' as KeyMapping,
    check: oneOf(['strict', 'auto']),
  },
  serializer: {
    type: 'Serializer',
    doc: 'How values become bytes + flags and back: `serialize(value)` → `{ bytes, flags }` and `deserialize(bytes, flags)`.',
    default: undefined as Serializer | undefined,
    defaultText: 'python-memcached compatible',
    check: checkSerializer,
  },
  minCompressLength: {
    type: 'number',
    doc: 'zlib-compress values longer than this many bytes (only when it shrinks them, flag 8). `0` disables.',
    default: 0,
    defaultText: '`0` (off)',
    unit: 'bytes',
    check: numberIn(0, Number.MAX_SAFE_INTEGER, true, 'an integer >= 0'),
  },
  maxValueSize: {
    type: 'number',
    doc:
      'Largest value accepted: larger ones are refused locally with `ERR_VALUE_TOO_LARGE` (memcached would ' +
      "delete the existing item). Set it to your server's `-I` minus ~512.",
    default: DEFAULT_MAX_VALUE_SIZE,
    defaultText: '`1048064` (1 MiB − 512 B)',
    unit: 'bytes',
    check: positiveInt(2 ** 30),
  },
  timeout: {
    type: 'number',
    doc: 'Per-command timeout (a call can override it). A command that times out after being written destroys its connection.',
    default: 1000,
    unit: 'ms',
    check: positiveMs,
  },
  connectTimeout: {
    type: 'number',
    doc: 'Timeout of connecting: TCP, TLS handshake and auth.',
    default: 2000,
    unit: 'ms',
    check: positiveMs,
  },
  connectionsPerServer: {
    type: 'number',
    doc:
      'Sockets per server, all pipelined. The socket with requests outstanding takes every new command, so ' +
      'un-awaited commands reach the server in order; a server with nothing outstanding gets its next command on its next socket, which cuts idle round trips on VMs by a third (measured in bench/RESULTS.md).',
    default: 2,
    check: positiveInt(1024),
  },
  maxQueue: {
    type: 'number',
    doc:
      'Most commands one server may have queued or in flight. Past it, calls fail at once with `ERR_QUEUE_FULL` ' +
      "instead of piling up in memory while the server is stalled (sized in bench/RESULTS.md). Writes also pause while the socket's buffer is full.",
    default: DEFAULT_MAX_QUEUE,
    check: positiveInt(),
  },
  keepAlive: {
    type: 'number',
    doc: 'TCP keep-alive initial delay (`0` disables). TCP no-delay is always on.',
    default: 30_000,
    unit: 'ms',
    check: nonNegativeMs,
  },
  tls: {
    type: 'boolean | TlsOptions',
    doc: '`true` for TLS with defaults, or `{ ca, cert, key, servername, rejectUnauthorized = true }`.',
    default: false,
    defaultText: 'off',
    check: checkTls,
  },
  auth: {
    type: 'AuthOptions',
    doc:
      "`{ username, password, mode? }`: ASCII authentication, `mode: 'memcached'` (memcached's `-Y authfile`: a " +
      "`set` of `<user> <password>` when the server asks) or `'memcachier'` (MemCachier: `set <user> 0 0 <len>` + " +
      "password as the first command of every connection; use with `protocol: 'text'`).",
    default: undefined as AuthOptions | undefined,
    defaultText: 'none',
    check: checkAuth,
  },
  reconnectDelay: {
    type: 'number',
    doc: 'First delay of the reconnect backoff after a failed connect, doubled per failure up to `reconnectMaxDelay`. During backoff, commands fail fast with `ERR_CONNECT`.',
    default: 50,
    unit: 'ms',
    check: positiveMs,
  },
  reconnectMaxDelay: {
    type: 'number',
    doc: 'Upper bound of the reconnect backoff (at least `reconnectDelay`).',
    default: 2000,
    unit: 'ms',
    check: positiveMs,
  },
  hashing: {
    type: 'HashingName | ((nodes: readonly ServerNode[]) => NodeLocator)',
    doc:
      "Key-to-server hashing of a cluster: `'ketama'` (libmemcached weighted ketama, pylibmc `ketama_weighted`), " +
      "`'ketama-oaat'` (pylibmc `{\"ketama\": True}`), `'ketama-md5'`, `'modula'` (python-memcached), or `(nodes) => NodeLocator`.",
    default: 'ketama' as HashingName | ((nodes: readonly ServerNode[]) => NodeLocator),
    defaultText: "`'ketama'`",
    check: checkHashing,
  },
  failureThreshold: {
    type: 'number',
    doc: 'Consecutive failures (failed connects, timeouts, dropped connections) before a server is marked dead.',
    default: 2,
    check: positiveInt(),
  },
  deadRetryDelay: {
    type: 'number',
    doc: "How long a dead server stays out before it is probed again (python-memcached's `dead_retry`, which is in seconds).",
    default: 30_000,
    unit: 'ms',
    check: positiveMs,
  },
  deadRetry: {
    type: 'number',
    doc: 'The old name of `deadRetryDelay`, in seconds (`deadRetry: 30` is `deadRetryDelay: 30000`).',
    default: undefined as number | undefined,
    defaultText: '—',
    unit: 'seconds',
    deprecated: 'deadRetryDelay',
    check: numberIn(Number.MIN_VALUE, Math.floor(MAX_TIMER_MS / 1000), false, 'a number of seconds above 0'),
  },
  failover: {
    type: "'rehash' | 'error' | 'gutter'",
    doc:
      "While a server is dead: move its keys to the live servers (`'rehash'`), fail them with `ERR_SERVER_DEAD` " +
      "(`'error'`), or send them to the `gutter` pool with short TTLs, leaving the live servers' load as it was (`'gutter'`). " +
      'See "Failures and outages" in the README.',
    default: 'rehash',
    check: oneOf(['rehash', 'error', 'gutter']),
  },
  gutter: {
    type: 'GutterOptions',
    doc:
      "`{ servers, ttl }` for `failover: 'gutter'`: a separate small pool (`servers` as in `servers`) that takes the keys " +
      'of dead servers, every TTL clamped to `ttl` seconds (default 10), so what it holds is never more than `ttl` seconds stale.',
    default: undefined as GutterOptions | undefined,
    defaultText: 'none',
    check: checkGutter,
  },
  replicas: {
    type: 'number',
    doc:
      "Copies of each key (1–16), on that many distinct servers: ketama's owner then the next distinct servers clockwise, " +
      "modula's bucket then the next ones. Writes go to every live copy and settle when all answered; reads go to the first " +
      'healthy copy and on to the next on an outage (a miss is a miss). More than the configured servers is refused ' +
      "(`ERR_INVALID_OPTION`); with `discovery` it is clamped to the current members. Not with `failover: 'gutter'`; " +
      '`failover` does not apply (a dead copy is skipped, not rehashed). Needs `hashing` with `locateN` (the built-in ones). ' +
      'See "Replicas" in the README.',
    default: 1,
    check: positiveInt(16),
  },
  replicaWrites: {
    type: "'all' | 'majority' | 'any'",
    doc:
      'With `replicas` above 1, how many copies must answer a write (storage commands, delete, touch, incr/decr, ' +
      'setMulti/deleteMulti) for it to count: every one, more than half, or one. Fewer: `ERR_PARTIAL_FAILURE` with ' +
      '`.partial` and `.failures` per server. Enough, with some failed: the call resolves and the failed copies go to the ' +
      '`replica:failure` event (`memkit:replica:failure`). Failed and dead copies are invalidated before their server serves the key again.',
    default: 'all',
    check: oneOf(['all', 'majority', 'any']),
  },
  onError: {
    type: "'throw' | 'miss'",
    doc:
      "What a server or network failure does to a call: reject with its `MemkitError` (`'throw'`), or (`'miss'`) " +
      'read as a miss (`undefined`; multi-key: the key is absent) and write as not stored (`false`; `setMulti`/`deleteMulti`: ' +
      "the failed keys are in the returned list; `getOrSet`: the loader's value), never rejecting, the error going to the " +
      '`failure` event and the `memkit:call:failure` channel. Bad input still rejects.',
    default: 'throw',
    check: oneOf(['throw', 'miss']),
  },
  invalidationBudget: {
    type: 'number',
    doc:
      'Keys remembered per server for invalidation: keys written while their server was dead (or moved away by a ' +
      'membership change, or whose write to it failed) are deleted on it before it serves again. Past the budget the ' +
      'server is flushed (`flush_all`) on its return instead, said by the `invalidation` event. About 75 bytes plus the key per remembered key; `0` turns it off.',
    default: 100_000,
    check: numberIn(0, Number.MAX_SAFE_INTEGER, true, 'an integer >= 0'),
  },
  warmFrom: {
    type: 'Client | string | ReadonlyArray<string | ServerSpec> | WarmFromOptions',
    doc:
      'An older cluster to warm this one from: a `Client` (used, never closed), its servers, or `{ servers, ...options }` ' +
      "(a client built from this client's options and those, closed with it). A read that misses here (get, gets, " +
      'getMulti, getsMulti, getOrSet before its loader) reads there and, on a hit, `add`s the value here with its ' +
      'remaining TTL there (`warmTtl` from a text-protocol server) and returns it; failures there are misses. ' +
      'Writes go here only, each first deleting its key there (and resolving once that settled, within its timeout), ' +
      'so a value deleted or replaced here never comes back ' +
      'from there. See "Warm-up and shadow pools" in the README.',
    default: undefined as ClientOptions['warmFrom'],
    defaultText: 'none',
    check: checkWarmFrom,
  },
  warmTtl: {
    type: 'number',
    doc:
      'TTL of a value warmed from an old server that cannot tell its remaining TTL (one speaking the text protocol): ' +
      'it lives that long here at most, then is read there again (if still there). `0`: no expiry.',
    default: 60,
    unit: 'seconds',
    check: numberIn(0, 2592000, true, 'an integer number of seconds from 0 to 2592000 (30 days)'),
  },
  shadow: {
    type: 'ShadowOptions',
    doc:
      '`{ servers, fraction, maxQueue? }`: mirror the calls (reads and writes) of a fixed `fraction` (0–1) of the keys ' +
      '(chosen by key hash: the same keys in every process) to another pool, fire-and-forget: its answers, failures ' +
      'and latency never reach the caller; past `maxQueue` (default 1000) mirrored calls in flight, new ones are ' +
      'dropped. `client.shadowStats()` counts them and how many reads the shadow answered differently.',
    default: undefined as ShadowOptions | undefined,
    defaultText: 'none',
    check: checkShadow,
  },
  nearCache: {
    type: 'false | NearCacheOptions',
    doc:
      'An in-process LRU of hot keys in front of memcached: `{ maxAge, maxBytes = 16 MiB }`. It needs the meta ' +
      "protocol: refused with `protocol: 'text'`; with `'auto'`, servers found to speak text are read without it (and a warning says so). " +
      'An item is cached when memcached reports it hot (`mg` flags `h1`, `l` ≤ 1 s); an entry is served for at most ' +
      '`maxAge` ms after the request that fetched or revalidated it was sent, then revalidated by CAS. Writes through ' +
      'this client are seen at once, other processes\' writes within `maxAge`: see "Near cache" in the README.',
    default: false,
    defaultText: 'off',
    check: checkNearCache,
  },
  flushOnReconnect: {
    type: 'boolean',
    doc: "Flush a server that comes back from the dead before using it again (python-memcached's `flush_on_reconnect`).",
    default: false,
    check: isBoolean,
  },
};

/** Every option name, in table order. */
export const OPTION_NAMES = Object.keys(CLIENT_OPTIONS) as (keyof ClientOptions)[];
