/**
 * Parsing of meta command flag tokens (`mg`/`ms`/`md`/`ma`), mirroring
 * memcached 1.6's pre-parse: duplicate and unknown flags fail at once, bad
 * numeric tokens are remembered and fail after the whole list was read, and
 * the `b` flag base64-decodes the key.
 */

import { MAX_OPAQUE_LENGTH } from '../limits';
import { decodeMemcachedBase64Key } from './base64-key';
import { safeStrtol, safeStrtoul, safeStrtoull } from './c-number';
import type { MetaFlags } from './types';

/** The result of parsing: the flags, the (possibly decoded) key, or the error line memcached sends. */
export type MetaParse =
  | { ok: true; flags: MetaFlags; key: string }
  | { ok: false; error: string; key: string; flags: MetaFlags };

const BAD_TOKEN = 'CLIENT_ERROR bad token in command line format';

/** Parses `tokens` (the flags after the key, or after the datalen for `ms`). */
export function parseRequestFlags(rawKey: string, tokens: string[]): MetaParse {
  const flags: MetaFlags = {
    tokens,
    base64: false,
    quiet: false,
    value: false,
    noBump: false,
    invalidate: false,
  };
  let key = rawKey;
  // memcached keeps a default message that value errors may overwrite; `F`
  // errors do not set one, so they surface as "bad command line format".
  let error: string | undefined;
  let failed = false;
  const seen = new Set<number>();

  for (const token of tokens) {
    const c = token.charCodeAt(0);
    if (c >= 127 || seen.has(c)) return { ok: false, error: 'CLIENT_ERROR duplicate flag', key, flags };
    seen.add(c);
    const arg = token.slice(1);
    switch (token[0]) {
      case 'b': {
        const decoded = decodeMemcachedBase64Key(key);
        flags.base64 = true;
        if (decoded === undefined) {
          error = 'CLIENT_ERROR error decoding key';
          failed = true;
        } else {
          key = decoded;
        }
        break;
      }
      case 'N':
      case 'T':
      case 'R': {
        const n = safeStrtol(arg);
        if (n === undefined) {
          error = BAD_TOKEN;
          failed = true;
        } else if (token[0] === 'N') flags.vivifyTtl = n;
        else if (token[0] === 'T') flags.ttl = n;
        else flags.recacheTtl = n;
        break;
      }
      case 'O':
        flags.opaque = arg;
        break;
      case 'P':
      case 'L':
      case 'k':
      case 's':
      case 't':
      case 'c':
      case 'f':
      case 'l':
      case 'h':
        break;
      case 'v':
        flags.value = true;
        break;
      case 'u':
        flags.noBump = true;
        break;
      case 'q':
        flags.quiet = true;
        break;
      case 'F': {
        const n = safeStrtoul(arg);
        if (n === undefined) failed = true;
        else flags.clientFlags = n;
        break;
      }
      case 'C': {
        const n = safeStrtoull(arg);
        if (n === undefined) {
          error = BAD_TOKEN;
          failed = true;
        } else flags.compareCas = n;
        break;
      }
      case 'M':
        if (token.length !== 2) {
          error = 'CLIENT_ERROR incorrect length for M token';
          failed = true;
        } else flags.mode = arg;
        break;
      case 'J': {
        const n = safeStrtoull(arg);
        if (n === undefined) {
          error = 'CLIENT_ERROR invalid numeric initial value';
          failed = true;
        } else flags.initial = n;
        break;
      }
      case 'D': {
        const n = safeStrtoull(arg);
        if (n === undefined) {
          error = 'CLIENT_ERROR invalid numeric delta value';
          failed = true;
        } else flags.delta = n;
        break;
      }
      case 'I':
        flags.invalidate = true;
        break;
      default:
        return { ok: false, error: 'CLIENT_ERROR invalid flag', key, flags };
    }
  }
  if (failed) return { ok: false, error: error ?? 'CLIENT_ERROR bad command line format', key, flags };
  return { ok: true, flags, key };
}

/**
 * The longest `O` token, the letter included (32).
 * @deprecated Use `MAX_OPAQUE_LENGTH`, the limit of the opaque value itself
 * (one name for the encoders and the decoders).
 */
export const MAX_OPAQUE_TOKEN_LENGTH = MAX_OPAQUE_LENGTH + 1;
