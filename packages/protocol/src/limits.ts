/**
 * The protocol's numeric limits, defined once for the encoders, the decoders
 * (client and server side) and the packages built on them.
 */

/** 2^64 - 1: the largest CAS unique, incr/decr delta or counter value. */
export const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** 2^32 - 1: the largest client flags value. */
export const U32_MAX = 0xffff_ffff;

/**
 * Longest opaque value (what follows the `O` flag letter) memcached accepts
 * and copies back, in bytes: it refuses an `O` token longer than 32 bytes,
 * the letter included, with `CLIENT_ERROR opaque token too long`.
 */
export const MAX_OPAQUE_LENGTH = 31;
