/**
 * Key rules of the memcached text protocol (1–250 bytes, no space, no control
 * character) and the base64 key tokens of the meta protocol's `b` flag, which
 * carry binary keys. Pure functions; the encoders call `validateKey` on every
 * key so that no input can inject a second command into a line.
 */
import { Buffer } from 'node:buffer';
import { KeyError } from './errors';
import { describeForMessage } from './preview';

/** Longest key memcached accepts, in bytes (for a base64 key: in encoded characters). */
export const MAX_KEY_LENGTH = 250;

/**
 * Index of the first character that may not appear in a text-protocol key
 * (space, C0 control, DEL), or -1. Also reports whether the key is pure ASCII
 * so the caller can skip the UTF-8 length computation.
 */
function scanKey(key: string): { bad: number; ascii: boolean } {
  let ascii = true;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return { bad: i, ascii };
    if (c >= 0x80) ascii = false;
  }
  return { bad: -1, ascii };
}

/**
 * Whether `key` is a valid text-protocol key: 1–250 bytes once UTF-8 encoded,
 * no byte <= 0x20 (space or control) and no 0x7f (DEL).
 */
export function isValidTextKey(key: string): boolean {
  const n = key.length;
  // Every UTF-16 unit is at least one UTF-8 byte, so > 250 units is > 250 bytes.
  if (n === 0 || n > MAX_KEY_LENGTH) return false;
  let ascii = true;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return false;
    if (c >= 0x80) ascii = false;
  }
  return ascii || Buffer.byteLength(key, 'utf8') <= MAX_KEY_LENGTH;
}

/**
 * Throws a `KeyError` (`ERR_KEY_INVALID`) saying why `key` is not a valid
 * text-protocol key; returns normally when it is. The message quotes the key
 * escaped and truncated, never raw.
 */
export function validateKey(key: string): void {
  if (typeof key !== 'string') {
    throw new KeyError(`key must be a string, got ${typeof key}`);
  }
  // Hot path (every command): a valid key costs one allocation-free scan.
  if (isValidTextKey(key)) return;
  if (key.length === 0) throw new KeyError('key is empty');
  const { bad, ascii } = scanKey(key);
  if (bad !== -1) {
    throw new KeyError(
      `key ${describeForMessage(key)} contains whitespace or a control character at index ${bad}`,
    );
  }
  const bytes = ascii ? key.length : Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_LENGTH) {
    throw new KeyError(`key ${describeForMessage(key)} is ${bytes} bytes > ${MAX_KEY_LENGTH}`);
  }
}

/** What a printable-ASCII key without spaces never contains: C0 controls, DEL, anything non-ASCII. */
const NOT_PLAIN_ASCII = /[\x00-\x1f\x7f-\uffff]/;

/**
 * Validates every key like `validateKey` (throwing the same `KeyError` for
 * the first bad one) and returns them joined by single spaces, as a
 * multi-key `get` line carries them. The common case, printable ASCII keys,
 * costs a length and space check per key plus one regular-expression scan of
 * the joined text instead of a character loop per key.
 */
export function joinValidKeys(keys: readonly string[]): string {
  const n = keys.length;
  let plain = true;
  for (let i = 0; i < n && plain; i++) {
    const key = keys[i];
    // Each of these makes a key invalid.
    plain = !(
      typeof key !== 'string' ||
      key.length === 0 ||
      key.length > MAX_KEY_LENGTH ||
      key.indexOf(' ') !== -1
    );
  }
  // A bad key, or controls, DEL or non-ASCII somewhere (non-ASCII keys may be
  // valid): check key by key, in order, so the first bad key is the one reported.
  if (!plain) for (let i = 0; i < n; i++) validateKey(keys[i]!);
  const joined = keys.join(' ');
  if (plain && NOT_PLAIN_ASCII.test(joined)) for (let i = 0; i < n; i++) validateKey(keys[i]!);
  return joined;
}

/**
 * Encodes a binary (or any UTF-8) key as the base64 token sent with the meta
 * `b` flag. memcached applies its 250-byte limit to the token, so at most 186
 * raw bytes fit. Throws `KeyError` for an empty key or a token over 250 chars.
 */
export function encodeBase64Key(key: Uint8Array | string): string {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (bytes.byteLength === 0) throw new KeyError('key is empty');
  const token = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  if (token.length > MAX_KEY_LENGTH) {
    throw new KeyError(
      `key is ${bytes.byteLength} bytes: its base64 form is ${token.length} chars > ${MAX_KEY_LENGTH}`,
    );
  }
  return token;
}

const BASE64_TOKEN = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes a base64 key token (as returned by the server with the `k` and `b`
 * flags) to its raw bytes. Throws `KeyError` when `token` is not base64.
 */
export function decodeBase64Key(token: string): Buffer {
  if (token.length % 4 !== 0 || !BASE64_TOKEN.test(token)) {
    throw new KeyError(`key token ${describeForMessage(token)} is not base64`);
  }
  return Buffer.from(token, 'base64');
}
