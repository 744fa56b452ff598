/**
 * The attribute and metric names this instrumentation emits: the database
 * semantic conventions where they define one, `memkit.*` for the rest.
 * Written out here rather than imported from `@opentelemetry/semantic-conventions`,
 * whose connection-pool names live in its unstable `incubating` entry point.
 */

/** `db.system.name` (stable). */
export const ATTR_DB_SYSTEM_NAME = 'db.system.name';
/** The value of `db.system.name` for memcached. */
export const DB_SYSTEM_MEMCACHED = 'memcached';
/** `db.operation.name` (stable): the memkit method. */
export const ATTR_DB_OPERATION_NAME = 'db.operation.name';
/** `db.operation.batch.size` (stable): keys of a multi-key call, only when 2 or more. */
export const ATTR_DB_OPERATION_BATCH_SIZE = 'db.operation.batch.size';
/** `server.address` (stable). */
export const ATTR_SERVER_ADDRESS = 'server.address';
/** `server.port` (stable). */
export const ATTR_SERVER_PORT = 'server.port';
/** `error.type` (stable): the `MemkitError` code. */
export const ATTR_ERROR_TYPE = 'error.type';
/** `db.client.connection.pool.name` (development): memkit's address of the server. */
export const ATTR_DB_CLIENT_CONNECTION_POOL_NAME = 'db.client.connection.pool.name';
/** `db.client.connection.state` (development): `idle`, `used` (and memkit's `connecting`). */
export const ATTR_DB_CLIENT_CONNECTION_STATE = 'db.client.connection.state';

/** Keys found by a retrieval. */
export const ATTR_MEMKIT_HITS = 'memkit.hits';
/** Keys not found by a retrieval. */
export const ATTR_MEMKIT_MISSES = 'memkit.misses';
/** How getOrSet obtained its value: `hit`, `stale`, `won`, `waited`, `timeout`. */
export const ATTR_MEMKIT_GET_OR_SET_OUTCOME = 'memkit.get_or_set.outcome';
/** Whether the client's near cache answered the call, every key of it, without asking memcached. */
export const ATTR_MEMKIT_NEAR_CACHE_HIT = 'memkit.near_cache.hit';
/** Keys of a multi-key call the client's near cache answered without asking memcached. */
export const ATTR_MEMKIT_NEAR_CACHE_HITS = 'memkit.near_cache.hits';
/** The key, as returned by the `keyAttribute` hook (never recorded without it). */
export const ATTR_MEMKIT_KEY = 'memkit.key';
/** The keys of a multi-key call, as returned by the `keyAttribute` hook (at most `MAX_KEYS_RECORDED`). */
export const ATTR_MEMKIT_KEYS = 'memkit.keys';
/** Number of servers a fanned-out call went to. */
export const ATTR_MEMKIT_SERVER_COUNT = 'memkit.server.count';
/** The new state of a server that changed state: `dead` or `alive`. */
export const ATTR_MEMKIT_SERVER_STATE = 'memkit.server.state';

/** `db.client.operation.duration` (stable histogram, seconds). */
export const METRIC_DB_CLIENT_OPERATION_DURATION = 'db.client.operation.duration';
/** `db.client.connection.count` (development): connections by state. */
export const METRIC_DB_CLIENT_CONNECTION_COUNT = 'db.client.connection.count';
/** `db.client.connection.max` (development): `connectionsPerServer`. */
export const METRIC_DB_CLIENT_CONNECTION_MAX = 'db.client.connection.max';
/** `db.client.connection.pending_requests` (development): requests not answered yet. */
export const METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS = 'db.client.connection.pending_requests';
/** Keys found by retrievals. */
export const METRIC_MEMKIT_HITS = 'memkit.client.hits';
/** Keys not found by retrievals. */
export const METRIC_MEMKIT_MISSES = 'memkit.client.misses';
/** getOrSet calls by outcome. */
export const METRIC_MEMKIT_GET_OR_SET_OUTCOMES = 'memkit.client.get_or_set.outcomes';
/** Servers marked dead or alive again. */
export const METRIC_MEMKIT_SERVER_TRANSITIONS = 'memkit.client.server.transitions';
/** Servers currently marked dead. */
export const METRIC_MEMKIT_SERVERS_DEAD = 'memkit.client.servers.dead';

/** Bucket boundaries the conventions advise for `db.client.operation.duration`. */
export const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];
/** Multi-key calls record at most this many keys with `keyAttribute`. */
export const MAX_KEYS_RECORDED = 100;
