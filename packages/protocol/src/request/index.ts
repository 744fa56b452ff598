/**
 * The server side of the protocol: `RequestDecoder` turns the bytes a client
 * sent into typed requests, answering malformed input the way memcached
 * 1.6.18 does. Used by @memkit/server; pure, like the rest of the package.
 */
export { decodeMemcachedBase64Key } from './base64-key';
export { parseI32, parseU32, parseU64, safeStrtol, safeStrtoul, safeStrtoull } from './c-number';
export { RequestDecoder } from './decoder';
export { MAX_OPAQUE_TOKEN_LENGTH } from './meta-flags';
export type * from './types';
