/**
 * @memkit/server: a small, honest memcached in TypeScript. Speaks the text
 * and meta protocols like memcached 1.6.18 (same replies, same errors, same
 * quirks), with a memory-bounded LRU, lazy expiry, CAS, flush_all, stats and
 * lru_crawler metadump. For tests and demos that should not need a real
 * memcached installed.
 */
export type { AuthOptions, Credentials } from './auth';
export { type ClusterConfigOptions, type ClusterNodeSpec, parseNodeListFile } from './cluster-config';
export type { ServerOptions } from './options';
export { type MemkitServer, type ServerStats, startServer } from './server';
export { SERVER_VERSION } from './version';
