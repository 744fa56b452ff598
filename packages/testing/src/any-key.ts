/**
 * A fast-check arbitrary of cache keys as applications produce them, for the
 * property tests of key mapping: full unicode (lone surrogates included),
 * 0-2,000 code units, with the characters that break memcached keys (space,
 * CR, LF, tab, NUL), the digest marker and lengths around the 250-byte limit
 * over-represented.
 */
import fc from 'fast-check';

/** Options of {@link anyKey}. */
export interface AnyKeyOptions {
  /** Longest key, in UTF-16 code units. Default 2000. */
  maxLength?: number;
}

/** Arbitrary strings to use as keys; see the module comment. */
export function anyKey(options: AnyKeyOptions = {}): fc.Arbitrary<string> {
  const maxLength = options.maxLength ?? 2000;
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    fc.string({
      unit: fc.constantFrom(' ', '\r', '\n', '\t', '\0', 'a', 'é', '🎉', ':', '#', '\uD800', '\uDFFF'),
      maxLength: Math.min(300, maxLength),
    }),
    fc.string({
      unit: 'grapheme-ascii',
      minLength: Math.min(150, maxLength),
      maxLength: Math.min(260, maxLength),
    }),
    fc.constantFrom('', '#sha256:abc', 'plain', 'ünïcødé'),
  );
}
