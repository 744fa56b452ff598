/**
 * Parsing of the meta commands (`mg`, `ms`, `md`, `ma`, `mn`, `me`) with
 * memcached 1.6.18's check order and error lines. Errors that memcached only
 * detects while building the reply (an over-long opaque on `mg`/`ma`) are
 * left to the server, which is the only place that can reproduce the side
 * effects that happen before them.
 */

import { MAX_OPAQUE_LENGTH } from '../limits';
import { decodeMemcachedBase64Key } from './base64-key';
import { safeStrtol } from './c-number';
import { parseRequestFlags } from './meta-flags';
import {
  BAD_FORMAT,
  bad,
  done,
  KEY_MAX_LENGTH,
  type LineOutcome,
  MAX_DATA_LENGTH,
  TOO_LARGE,
} from './outcome';
import type { Tokens } from './tokenize';
import type { BadRequest } from './types';

/** memcached's `MFLAG_MAX_OPT_LENGTH`: more tokens than this is refused. */
const MAX_META_TOKENS = 20;
const OPAQUE_TOO_LONG = 'CLIENT_ERROR opaque token too long';
const INVALID_OR_DUPLICATE = 'CLIENT_ERROR invalid or duplicate flag';

/** Is any `O` token's value longer than memcached allows? */
export function hasLongOpaque(tokens: string[]): boolean {
  return tokens.some((tok) => tok[0] === 'O' && tok.length - 1 > MAX_OPAQUE_LENGTH);
}

/** Parses a two-letter meta command; anything else starting with `m` is `ERROR`. */
export function parseMetaCommand(t: Tokens, maxValueLength: number): LineOutcome {
  switch (t.all[0]) {
    case 'mn':
      return done({ type: 'mn' });
    case 'me':
      return parseDebug(t);
    case 'mg':
      return parseSimpleMeta(t, 'mg');
    case 'md':
      return parseSimpleMeta(t, 'md');
    case 'ma':
      return parseSimpleMeta(t, 'ma');
    case 'ms':
      return parseSet(t, maxValueLength);
    default:
      return bad('ERROR');
  }
}

function parseDebug(t: Tokens): LineOutcome {
  let key = t.all[1];
  if (t.n < 3 || key === undefined || key.length > KEY_MAX_LENGTH) return bad(BAD_FORMAT);
  let base64 = false;
  if (t.n >= 4 && t.all[2] === 'b') {
    const decoded = decodeMemcachedBase64Key(key);
    if (decoded === undefined) return bad(BAD_FORMAT);
    key = decoded;
    base64 = true;
  }
  return done({ type: 'me', key, base64 });
}

function parseSimpleMeta(t: Tokens, type: 'mg' | 'md' | 'ma'): LineOutcome {
  if (t.n < 3) return bad('ERROR');
  const rawKey = t.all[1]!;
  if (rawKey.length > KEY_MAX_LENGTH) return bad(BAD_FORMAT);
  if (t.n > MAX_META_TOKENS) {
    return bad(
      type === 'mg' ? 'CLIENT_ERROR options flags are too long' : 'CLIENT_ERROR options flags too long',
    );
  }
  const parsed = parseRequestFlags(rawKey, t.all.slice(2));
  if (!parsed.ok) return bad(type === 'mg' ? parsed.error : INVALID_OR_DUPLICATE);
  const { flags, key } = parsed;
  if (type === 'md' && hasLongOpaque(flags.tokens)) return bad(OPAQUE_TOO_LONG);
  if (type === 'ma') {
    const m = flags.mode;
    if (m !== undefined && m !== 'I' && m !== '+' && m !== 'D' && m !== '-') {
      return bad('CLIENT_ERROR invalid mode for ma M token');
    }
  }
  return done({ type, key, flags });
}

function parseSet(t: Tokens, maxValueLength: number): LineOutcome {
  if (t.n < 3) return bad('ERROR');
  const rawKey = t.all[1]!;
  if (rawKey.length > KEY_MAX_LENGTH || t.n === 3) return bad(BAD_FORMAT);
  if (t.n > MAX_META_TOKENS) return bad('CLIENT_ERROR options flags too long');
  const bytes = safeStrtol(t.all[2]!);
  if (bytes === undefined || bytes < 0 || bytes > MAX_DATA_LENGTH) return bad(BAD_FORMAT);

  // From here on memcached knows the data length, so every error skips the data block.
  const skip = (request: BadRequest): LineOutcome => ({ kind: 'swallow', bytes: bytes + 2, request });
  const parsed = parseRequestFlags(rawKey, t.all.slice(3));
  if (!parsed.ok) return skip({ type: 'bad', message: parsed.error, noreply: false });
  const { flags, key } = parsed;
  const m = flags.mode;
  if (m !== undefined && m !== 'E' && m !== 'A' && m !== 'P' && m !== 'R' && m !== 'S') {
    return skip({ type: 'bad', message: 'CLIENT_ERROR invalid mode for ms M token', noreply: false });
  }
  if (hasLongOpaque(flags.tokens)) return skip({ type: 'bad', message: OPAQUE_TOO_LONG, noreply: false });
  if (bytes > maxValueLength) {
    return skip({ type: 'bad', message: TOO_LARGE, noreply: false, tooLarge: { command: 'ms', key } });
  }
  return { kind: 'data', bytes, header: { type: 'ms', key, flags } };
}
