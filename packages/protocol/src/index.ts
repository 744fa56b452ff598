/**
 * @memkit/protocol: a pure codec for the memcached text and meta protocols.
 * Encoders return what to write; the decoder consumes what was read. No
 * sockets, timers or streams.
 */
export * from './errors';
export * from './replies';
