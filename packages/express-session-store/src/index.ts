/**
 * @memkit/express-session: an express-session store on memcached that keeps
 * long-lived sessions, touches without rewriting, and lists only its own keys.
 */
export type { MemkitStoreOptions, SessionSerializer } from './options';
export { MemkitStore } from './store';
export { DEFAULT_TTL_MS, type TtlOption } from './ttl';
