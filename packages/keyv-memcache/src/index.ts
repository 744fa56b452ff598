/**
 * @memkit/keyv: Keyv storage adapter for memcached (Keyv 5 and 6), on @memkit/client.
 */
export {
  KeyvMemkit,
  type KeyvMemkitCapabilities,
  type KeyvMemkitEntry,
  type KeyvMemkitMethod,
  type KeyvMethodCapability,
} from './adapter';
export { type CreateKeyvOptions, createKeyv } from './create-keyv';
export type { ClientSource, KeyvMemkitOptions, KeyvVersionOption } from './options';
export { expiresToSeconds, ttlMsToSeconds } from './ttl';
