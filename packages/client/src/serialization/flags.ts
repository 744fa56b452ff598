/**
 * The client-flag bits memkit writes and reads. Bits 1-16 are the ones
 * python-memcached, pylibmc and pymemcache all use, so values they store can
 * be read here and the other way round.
 */

/** Client-flag bits. */
export const FLAGS = {
  /** A Python pickle: written by python-memcached/pylibmc for float, bool, None, dict, list...; memkit cannot decode it. */
  PICKLE: 1,
  /** An integer as ASCII decimal (python-memcached's int). */
  INTEGER: 2,
  /** An integer as ASCII decimal (pylibmc's int, python-memcached 2's long). */
  LONG: 4,
  /** The data is a zlib (RFC 1950) stream of the value, as Python's `zlib.compress` writes. Combined with the other bits. */
  ZLIB: 8,
  /** UTF-8 text. */
  TEXT: 16,
  /**
   * JSON text: memkit's own. 32 is the lowest bit that none of
   * python-memcached, pylibmc and pymemcache assigns, so it cannot be
   * mistaken for one of their encodings. python-memcached refuses it
   * (`ValueError: Unknown flags`) and pylibmc reads it as bytes.
   */
  JSON: 32,
} as const;

/** The largest flags value memcached stores (flags are 32-bit unsigned). */
export const MAX_FLAGS = 0xffffffff;
