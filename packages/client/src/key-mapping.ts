/**
 * Key mapping: turns ANY string into a key memcached can hold, deterministically
 * and without two strings ever sharing an entry. The client uses it with
 * `keyMapping: 'auto'`; the adapters (Keyv, NestJS, express-session) always do.
 * Pure: the same inputs give the same key in every process and language, which
 * is what lets a Python service or a shell find the item (see the adapter
 * READMEs for the Python version of these rules).
 *
 * The three forms, for `full = prefix + key`:
 * 1. `'text'`: `full` is a valid text key (1-250 UTF-8 bytes, no byte <= 0x20,
 *    no 0x7f) and `key` does not start with the digest marker: sent exactly as is.
 * 2. `'binary'`: `full` has bytes the text protocol cannot carry (space,
 *    control) but its UTF-8 form fits 186 bytes, whose base64 token fits
 *    memcached's 250: sent base64-encoded with the meta `b` flag; memcached
 *    stores the raw bytes. Needs the meta protocol (`binaryKeys`).
 * 3. `'digest'`: everything else (too long, empty, text protocol, a key that
 *    starts with the marker, or one that is not well-formed UTF-16):
 *    `prefix + '#sha256:' + base64url(SHA-256(full))`, 51 bytes after the
 *    prefix. The hash covers the whole key, prefix included, so different
 *    keys never share an entry. Strings with lone surrogates have no UTF-8
 *    form (encoders would replace them with U+FFFD, making two strings one
 *    key), so their hash input is their UTF-16LE code units instead.
 *
 * Why the forms cannot collide: text-form keys are valid text keys that do
 * not start (after the prefix) with the marker; digest-form keys do; binary
 * keys always contain a byte no text key may contain.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { encodeBase64Key, isValidTextKey, KeyError } from '@memkit/protocol';

/** How the client treats string keys: `'strict'` rejects invalid ones, `'auto'` maps every string. */
export type KeyMapping = 'strict' | 'auto';

/** What starts the digest form of a key, after the prefix. A key that itself starts with it is hashed too. */
export const DIGEST_MARKER = '#sha256:';

/** The longest raw key (in bytes) sent as a binary key: its base64 token must fit memcached's 250 bytes. */
export const MAX_BINARY_KEY_BYTES = 186;

/** Options of {@link mapKey}. */
export interface MapKeyOptions {
  /** Prepended to the key, kept readable in every form (a client's `keyPrefix`, a namespace). Default `''`. */
  prefix?: string;
  /**
   * Whether binary keys (meta `b` flag) may be used: `true` for the meta
   * protocol, `false` for the text protocol, where such keys take the digest
   * form instead. Default `true`.
   */
  binaryKeys?: boolean;
}

/** The memcached key a string maps to. */
export interface MappedKey {
  /** `'text'`: `prefix + key` as is; `'binary'`: its UTF-8 bytes as a binary key; `'digest'`: the hashed form. */
  readonly form: 'text' | 'binary' | 'digest';
  /** The token written on the wire: the text key, or the base64 of the binary key. */
  readonly wire: string;
  /** Whether `wire` is base64 (sent with the meta `b` flag). */
  readonly base64: boolean;
  /**
   * The key as memcached holds it: a string for the text and digest forms,
   * the raw bytes for a binary key. Cluster hashing uses exactly this.
   */
  readonly route: string | Uint8Array;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `s` is well-formed UTF-16 (no lone surrogate), i.e. has a UTF-8 form. */
function wellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/**
 * The memcached key for `key` under `prefix`: see the module comment for the
 * rules. Throws `KeyError` (`ERR_KEY_INVALID`) only when `key` is not a
 * string, or when the prefix leaves no room for the digest form (over 199
 * bytes, or unusable as a key at all).
 *
 * @example
 * mapKey('user:1', { prefix: 'app:' });      // { form: 'text', wire: 'app:user:1', … }
 * mapKey('with space', { prefix: 'app:' });  // { form: 'binary', wire: 'YXBwOndpdGggc3BhY2U=', base64: true, … }
 * mapKey('x'.repeat(300), { prefix: 'app:' }); // { form: 'digest', wire: 'app:#sha256:…43 chars', … }
 */
export function mapKey(key: string, options: MapKeyOptions = {}): MappedKey {
  if (typeof key !== 'string') throw new KeyError(`a key must be a string, got ${typeof key}`);
  const prefix = options.prefix ?? '';
  const binaryKeys = options.binaryKeys ?? true;
  const full = prefix === '' ? key : prefix + key;
  const formed = wellFormed(full);
  if (formed && !key.startsWith(DIGEST_MARKER)) {
    if (isValidTextKey(full)) return { form: 'text', wire: full, base64: false, route: full };
    if (binaryKeys) {
      const bytes = Buffer.from(full, 'utf8');
      if (bytes.length > 0 && bytes.length <= MAX_BINARY_KEY_BYTES) {
        return { form: 'binary', wire: encodeBase64Key(bytes), base64: true, route: bytes };
      }
    }
  }
  if (!wellFormed(prefix)) throw new KeyError('the key prefix is not well-formed UTF-16 (a lone surrogate)');
  const input = formed ? Buffer.from(full, 'utf8') : Buffer.from(full, 'utf16le');
  const digest = prefix + DIGEST_MARKER + createHash('sha256').update(input).digest('base64url');
  if (isValidTextKey(digest)) return { form: 'digest', wire: digest, base64: false, route: digest };
  const bytes = Buffer.from(digest, 'utf8');
  if (binaryKeys && bytes.length <= MAX_BINARY_KEY_BYTES) {
    return { form: 'digest', wire: encodeBase64Key(bytes), base64: true, route: bytes };
  }
  throw new KeyError(
    `the key prefix (${Buffer.byteLength(prefix, 'utf8')} bytes) leaves no room for the ` +
      `${digest.length - prefix.length}-byte digest form of a key within memcached's 250 bytes` +
      (binaryKeys ? '' : ', or contains characters a text-protocol key cannot carry'),
  );
}
