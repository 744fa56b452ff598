/**
 * Checks of the options object each call takes, before anything is queued:
 * the plain-JavaScript mistakes TypeScript would catch (a number where the
 * options object goes, as in `set(k, v, 60)`; a misspelled name such as
 * `ttL`) and values that would misbehave later (`timeout: 0` would time out
 * at once, destroy the connection and count towards marking the server
 * dead). Errors are `ERR_INVALID_ARGUMENT`. TTL values are checked where they
 * are converted (`toExptime`), keys by the encoders.
 */
import { MemkitError } from '@memkit/protocol';
import {
  type Check,
  isBoolean,
  isPlainObject,
  isString,
  numberIn,
  positiveInt,
  positiveMs,
  show,
  unknownName,
} from './option-checks';

const isSignal: Check = (v) => {
  const s = v as Partial<AbortSignal> | null;
  return typeof s === 'object' &&
    s !== null &&
    typeof s.aborted === 'boolean' &&
    typeof s.addEventListener === 'function'
    ? undefined
    : `must be an AbortSignal, got ${show(v)}`;
};

/** Anything a TTL-like value may be; the exact rules are `toExptime`'s. */
const isNumber: Check = (v) =>
  typeof v === 'number' ? undefined : `must be a number of seconds, got ${show(v)}`;

/** A counter value; its range (0..2^64-1, integers) is checked by incr/decr. */
const isCounter: Check = (v) =>
  typeof v === 'number' || typeof v === 'bigint' ? undefined : `must be a number or a bigint, got ${show(v)}`;

const isData: Check = (v) =>
  typeof v === 'string' || v instanceof Uint8Array
    ? undefined
    : `must be a string or a Uint8Array, got ${show(v)}`;

const CHECKS = {
  timeout: positiveMs,
  signal: isSignal,
  ttl: isNumber,
  noreply: isBoolean,
  keyPrefix: isString,
  staleTtl: numberIn(0, Number.MAX_SAFE_INTEGER, false, 'a number of seconds >= 0'),
  lockTtl: numberIn(Number.MIN_VALUE, Number.MAX_SAFE_INTEGER, false, 'a number of seconds above 0'),
  waitTimeout: positiveMs,
  initial: isCounter,
  terminator: isString,
  data: isData,
  maxReplyBytes: positiveInt(),
} satisfies Record<string, Check>;

/** The option names each kind of call accepts. */
export const CALL_OPTIONS = {
  command: ['timeout', 'signal'],
  store: ['timeout', 'signal', 'ttl', 'noreply'],
  write: ['timeout', 'signal', 'noreply'],
  arithmetic: ['timeout', 'signal', 'initial', 'ttl'],
  raw: ['timeout', 'signal', 'terminator', 'data', 'maxReplyBytes'],
  multi: ['timeout', 'signal', 'keyPrefix'],
  setMulti: ['timeout', 'signal', 'keyPrefix', 'ttl'],
  getOrSet: ['timeout', 'signal', 'ttl', 'noreply', 'staleTtl', 'lockTtl', 'waitTimeout'],
} as const satisfies Record<string, ReadonlyArray<keyof typeof CHECKS>>;

export type CallKind = keyof typeof CALL_OPTIONS;

/**
 * Throws `ERR_INVALID_ARGUMENT` unless `opts` is absent or an object whose
 * every property is one `method` accepts, with a valid value.
 */
export function checkCallOptions(method: string, kind: CallKind, opts: unknown): void {
  if (opts === undefined || opts === null) return;
  const allowed: readonly string[] = CALL_OPTIONS[kind];
  if (!isPlainObject(opts)) {
    const example = allowed.includes('ttl')
      ? `{ ttl: ${typeof opts === 'number' ? opts : 60} }`
      : '{ timeout: 500 }';
    throw invalid(`${method}: the options argument must be an object, got ${show(opts)}; pass ${example}`);
  }
  const unknown = unknownName(opts, allowed);
  if (unknown) throw invalid(`${method}: ${unknown}`);
  for (const name of allowed) {
    const value = opts[name];
    if (value === undefined) continue;
    const why = CHECKS[name as keyof typeof CHECKS](value);
    if (why) throw invalid(`${method}: option ${name} ${why}`);
  }
}

/** Options of `Client.close()`. */
export interface CloseOptions {
  /** Let queued and in-flight commands finish, then send `quit`. Default false (close at once). */
  graceful?: boolean;
  /** With `graceful`: the most to wait (ms) before destroying what is left. Default: no limit beyond each command's own timeout. */
  timeout?: number;
}

const checkClose: Record<keyof CloseOptions, Check> = { graceful: isBoolean, timeout: positiveMs };

/** Throws `ERR_INVALID_ARGUMENT` unless `options` are valid `close()` options. */
export function checkCloseOptions(options: unknown): void {
  if (options === undefined) return;
  if (!isPlainObject(options)) {
    throw invalid(
      `close: the options argument must be an object such as { graceful: true }, got ${show(options)}`,
    );
  }
  const unknown = unknownName(options, Object.keys(checkClose));
  if (unknown) throw invalid(`close: ${unknown}`);
  for (const [name, check] of Object.entries(checkClose)) {
    const why = options[name] === undefined ? undefined : check(options[name]);
    if (why) throw invalid(`close: option ${name} ${why}`);
  }
  if (options.timeout !== undefined && options.graceful !== true) {
    throw invalid('close: timeout applies to a graceful close: pass { graceful: true, timeout }');
  }
}

/** Throws `ERR_INVALID_ARGUMENT` unless `keys` is an array (a string would be read as its characters). */
export function checkKeyList(method: string, keys: unknown): void {
  if (!Array.isArray(keys)) throw invalid(`${method}: keys must be an array, got ${show(keys)}`);
}

function invalid(message: string): MemkitError {
  return new MemkitError('ERR_INVALID_ARGUMENT', message);
}
