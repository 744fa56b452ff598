/**
 * Encoders for the memcached meta protocol (`mg`, `ms`, `md`, `ma`, `mn`,
 * `me`). Options map one-to-one to meta flags; every token printed into the
 * line is validated. With `base64: true` the key is already a base64 token
 * (see `encodeBase64Key`) and the `b` flag is added.
 */

import type { Chunk } from './encode-text';
import { MemkitError } from './errors';
import { validateKey } from './keys';
import { MAX_OPAQUE_LENGTH } from './limits';
import { checkCas, checkCount, checkExptime, checkFlags, checkToken, checkU64, checkValue } from './validate';

/** Options shared by every keyed meta command. */
export interface MetaCommonOptions {
  /** `b`: the key is a base64 token (binary key). */
  base64?: boolean;
  /** `q`: noreply semantics, suppress the common-case reply (see each command). */
  quiet?: boolean;
  /** `O<token>`: opaque token copied back in the reply (1..31 printable ASCII chars, `MAX_OPAQUE_LENGTH`). */
  opaque?: string;
}

/** Flags of `mg` (meta get). */
export interface MetaGetOptions extends MetaCommonOptions {
  /** `v`: return the value (reply `VA` instead of `HD`). */
  value?: boolean;
  /** `f`: return client flags. */
  flags?: boolean;
  /** `c`: return the CAS unique. */
  cas?: boolean;
  /** `t`: return the remaining TTL (-1 for none). */
  ttl?: boolean;
  /** `s`: return the item size. */
  size?: boolean;
  /** `k`: return the key. */
  key?: boolean;
  /** `h`: return whether the item was hit before. */
  hit?: boolean;
  /** `l`: return seconds since last access. */
  lastAccess?: boolean;
  /** `u`: do not bump the item in the LRU. */
  noBump?: boolean;
  /** `T<exptime>`: update the item's exptime (get-and-touch). */
  touch?: number;
  /** `N<exptime>`: on a miss, create an empty item with this exptime and win the recache (`W`). */
  vivify?: number;
  /** `R<seconds>`: win the recache (`W`) if the remaining TTL is below this. */
  recache?: number;
}

/** Flags of `ms` (meta set). */
export interface MetaSetOptions extends MetaCommonOptions {
  /** `F<flags>`: client flags (u32). The server stores 0 when absent. */
  flags?: number;
  /** `T<exptime>`: expiration. The server uses 0 (never) when absent. */
  ttl?: number;
  /** `C<cas>`: store only if the item's CAS matches. */
  cas?: bigint;
  /** `I`: with `C`, an older CAS marks the item stale instead of failing. */
  invalidate?: boolean;
  /** `M<mode>`: S set (default), E add, A append, P prepend, R replace. */
  mode?: 'S' | 'E' | 'A' | 'P' | 'R';
  /** `c`: return the new CAS unique. */
  returnCas?: boolean;
  /** `k`: return the key. */
  returnKey?: boolean;
}

/** Flags of `md` (meta delete). */
export interface MetaDeleteOptions extends MetaCommonOptions {
  /** `C<cas>`: delete only if the item's CAS matches. */
  cas?: bigint;
  /** `I`: mark the item stale (bumping its CAS) instead of removing it. */
  invalidate?: boolean;
  /** `T<exptime>`: with `I`, the stale item's new exptime. */
  ttl?: number;
  /** `k`: return the key. */
  returnKey?: boolean;
}

/** Flags of `ma` (meta arithmetic). */
export interface MetaArithmeticOptions extends MetaCommonOptions {
  /** `M<mode>`: I increment (default) or D decrement. */
  mode?: 'I' | 'D';
  /** `D<delta>`: amount to add or subtract (u64, default 1). */
  delta?: bigint | number;
  /** `J<initial>`: value seeded by auto-create (u64, needs `vivify`). */
  initial?: bigint | number;
  /** `N<exptime>`: auto-create the item on a miss with this exptime. */
  vivify?: number;
  /** `T<exptime>`: update the exptime on success. */
  ttl?: number;
  /** `C<cas>`: apply only if the item's CAS matches. */
  cas?: bigint;
  /** `v`: return the new value (reply `VA`). */
  value?: boolean;
  /** `t`: return the remaining TTL. */
  returnTtl?: boolean;
  /** `c`: return the new CAS unique. */
  returnCas?: boolean;
  /** `k`: return the key. */
  returnKey?: boolean;
}

const SET_MODES: ReadonlySet<string> = new Set(['S', 'E', 'A', 'P', 'R']);
const ARITHMETIC_MODES: ReadonlySet<string> = new Set(['I', 'D']);

function checkMode(mode: string, allowed: ReadonlySet<string>, command: string): string {
  if (!allowed.has(mode)) {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `${command} mode must be one of ${[...allowed].join(', ')}`,
    );
  }
  return mode;
}

/** The trailing `O<opaque>` and `q` flags, then CRLF. */
function tail(o: MetaCommonOptions): string {
  let s = '';
  if (o.opaque !== undefined) s += ` O${checkToken(o.opaque, 'opaque', MAX_OPAQUE_LENGTH)}`;
  if (o.quiet === true) s += ' q';
  return `${s}\r\n`;
}

/** `mg <key> <flags>*`, e.g. `mg foo v f c Oabc q\r\n`. */
export function encodeMetaGet(key: string, o: MetaGetOptions = {}): string {
  validateKey(key);
  return `mg ${key}${o.base64 === true ? ' b' : ''}${metaGetFlags(o)}${tail(o)}`;
}

/** The `mg` flags of `o` other than `b`, `O` and `q`, each with its leading space. */
function metaGetFlags(o: MetaGetOptions): string {
  let s = '';
  // Flags that change the item go first, so the return flags (t…) show their effect.
  if (o.touch !== undefined) s += ` T${checkExptime(o.touch, 'touch')}`;
  if (o.vivify !== undefined) s += ` N${checkExptime(o.vivify, 'vivify')}`;
  if (o.recache !== undefined) s += ` R${checkCount(o.recache, 'recache')}`;
  if (o.value === true) s += ' v';
  if (o.flags === true) s += ' f';
  if (o.cas === true) s += ' c';
  if (o.ttl === true) s += ' t';
  if (o.size === true) s += ' s';
  if (o.key === true) s += ' k';
  if (o.hit === true) s += ' h';
  if (o.lastAccess === true) s += ' l';
  if (o.noBump === true) s += ' u';
  return s;
}

/**
 * Many `mg` commands with the same flags, as one string: key `i` gets the
 * opaque `String(firstOpaque + i)` (decimal), and `b` when `base64[i]` is
 * true. The flags are validated once and every key is validated, exactly as
 * `encodeMetaGet` would; this only saves the per-key work of a multi-get.
 */
export function encodeMetaGetBatch(
  keys: readonly string[],
  o: Omit<MetaGetOptions, 'opaque' | 'base64'>,
  firstOpaque: number,
  base64?: readonly boolean[],
): string {
  if (!Number.isSafeInteger(firstOpaque) || firstOpaque < 0 || firstOpaque + keys.length > 1e15) {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `firstOpaque must be a non-negative integer, got ${firstOpaque}`,
    );
  }
  const flags = `${metaGetFlags(o)} O`;
  const end = o.quiet === true ? ' q\r\n' : '\r\n';
  let s = '';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    validateKey(key);
    s += (base64?.[i] === true ? `mg ${key} b` : `mg ${key}`) + flags + (firstOpaque + i) + end;
  }
  return s;
}

/**
 * `ms <key> <datalen> <flags>*` + data block: `["ms foo 5 F0 T0\r\n", value, "\r\n"]`.
 * The value is bytes, or text written as UTF-8.
 */
export function encodeMetaSet(key: string, value: Uint8Array | string, o: MetaSetOptions = {}): Chunk[] {
  validateKey(key);
  let s = `ms ${key} ${checkValue(value)}`;
  if (o.base64 === true) s += ' b';
  if (o.flags !== undefined) s += ` F${checkFlags(o.flags)}`;
  if (o.ttl !== undefined) s += ` T${checkExptime(o.ttl, 'ttl')}`;
  if (o.cas !== undefined) s += ` C${checkCas(o.cas)}`;
  if (o.invalidate === true) s += ' I';
  if (o.mode !== undefined) s += ` M${checkMode(o.mode, SET_MODES, 'ms')}`;
  if (o.returnCas === true) s += ' c';
  if (o.returnKey === true) s += ' k';
  return [s + tail(o), value, '\r\n'];
}

/** `md <key> <flags>*`. */
export function encodeMetaDelete(key: string, o: MetaDeleteOptions = {}): string {
  validateKey(key);
  let s = `md ${key}`;
  if (o.base64 === true) s += ' b';
  if (o.cas !== undefined) s += ` C${checkCas(o.cas)}`;
  if (o.invalidate === true) s += ' I';
  if (o.ttl !== undefined) s += ` T${checkExptime(o.ttl, 'ttl')}`;
  if (o.returnKey === true) s += ' k';
  return s + tail(o);
}

/** `ma <key> <flags>*`. */
export function encodeMetaArithmetic(key: string, o: MetaArithmeticOptions = {}): string {
  validateKey(key);
  let s = `ma ${key}`;
  if (o.base64 === true) s += ' b';
  if (o.mode !== undefined) s += ` M${checkMode(o.mode, ARITHMETIC_MODES, 'ma')}`;
  if (o.delta !== undefined) s += ` D${checkU64(o.delta, 'delta')}`;
  if (o.initial !== undefined) s += ` J${checkU64(o.initial, 'initial')}`;
  if (o.vivify !== undefined) s += ` N${checkExptime(o.vivify, 'vivify')}`;
  if (o.ttl !== undefined) s += ` T${checkExptime(o.ttl, 'ttl')}`;
  if (o.cas !== undefined) s += ` C${checkCas(o.cas)}`;
  if (o.value === true) s += ' v';
  if (o.returnTtl === true) s += ' t';
  if (o.returnCas === true) s += ' c';
  if (o.returnKey === true) s += ' k';
  return s + tail(o);
}

/** `mn`: the server answers `MN`, marking the end of a pipeline of quiet commands. */
export function encodeMetaNoop(): string {
  return 'mn\r\n';
}

/** `me <key>[ b]`: human-readable item metadata (`ME <key> k=v…`), or `EN` on a miss. */
export function encodeMetaDebug(key: string, base64?: boolean): string {
  validateKey(key);
  return base64 === true ? `me ${key} b\r\n` : `me ${key}\r\n`;
}
