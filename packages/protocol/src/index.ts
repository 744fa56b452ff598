/**
 * @memkit/protocol: a pure codec for the memcached text and meta protocols.
 * Encoders return what to write; the decoder consumes what was read. No
 * sockets, timers or streams.
 */

export * from './cluster-config';
export * from './decoder';
export * from './encode-meta';
export * from './encode-raw';
export * from './encode-text';
export * from './errors';
export * from './keys';
export * from './limits';
export * from './line-decoder';
export * from './replies';
export * from './request';
export * from './ttl';
