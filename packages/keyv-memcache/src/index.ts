/**
 * @memkit/keyv: Keyv storage adapter for memcached (Keyv 5 and 6), on @memkit/client.
 */
export {
  isKeyvMemkit,
  KeyvMemkit,
  type KeyvMemkitCapabilities,
  type KeyvMemkitEntry,
  type KeyvMemkitMethod,
  type KeyvMethodCapability,
  type StoreGetOrSetOptions,
} from './adapter';
export { type CreateKeyvOptions, createKeyv } from './create-keyv';
export type { ClientSource, KeyvMemkitOptions, KeyvVersionOption } from './options';
export { expiresToSeconds, ttlMsToSeconds } from './ttl';
export { memkitStoreOf, type WrapOptions, type WrappableKeyv, wrap } from './wrap';
