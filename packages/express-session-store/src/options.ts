/**
 * The options of `MemkitStore`, their documented defaults, and their checks.
 */
import { type Client, MemkitError } from '@memkit/client';
import type { SessionData } from 'express-session';
import { type TtlOption, validateTtlOption } from './ttl';

/**
 * How sessions become the text stored in memcached and back. `JSON` fits;
 * the text is stored as a UTF-8 string (flags 16), so other clients can read it.
 */
export interface SessionSerializer {
  /** The text stored for a session. */
  stringify(session: SessionData): string;
  /** The session a stored text holds. */
  parse(text: string): SessionData;
}

/** Options of `new MemkitStore(...)`. Give `client` or `servers`, not both. */
export interface MemkitStoreOptions {
  /** A client to use. The store never closes a client it was given. */
  client?: Client;
  /**
   * Servers for a client the store creates (and closes in `close()`), e.g.
   * `['10.0.0.1:11211', '10.0.0.2:11211']`. Default `['127.0.0.1:11211']` when
   * neither `client` nor `servers` is given.
   */
  servers?: ReadonlyArray<string>;
  /**
   * Prepended to each session ID to form the memcached key (after the
   * client's own `keyPrefix`). Default `'sess:'`.
   */
  keyPrefix?: string;
  /** @deprecated The old name of `keyPrefix` (warns once). */
  prefix?: string;
  /**
   * Session lifetime in milliseconds, or a function of the session. Default:
   * until `cookie.expires` (i.e. the cookie's `maxAge`), else one day. Rounded
   * up to whole seconds; lifetimes over 30 days work.
   */
  ttl?: TtlOption;
  /** Text encoding of sessions. Default `JSON`. */
  serializer?: SessionSerializer;
  /** Make `touch` a no-op (sessions then expire `ttl` after their last write). Default `false`. */
  disableTouch?: boolean;
  /**
   * Store sessions without a memcached expiry: they stay until evicted or
   * destroyed, and `touch` has nothing to do. A session whose cookie has
   * expired is still never stored, and reads as missing. Default `false`.
   */
  disableTTL?: boolean;
  /**
   * Timeout in ms of the cache walk behind `all`/`length`/`clear`/`ids`,
   * which reads every item's metadata. Default 10000.
   */
  scanTimeout?: number;
}

/** Options after defaults. */
export interface ResolvedStoreOptions {
  prefix: string;
  ttl: TtlOption | undefined;
  serializer: SessionSerializer;
  disableTouch: boolean;
  disableTTL: boolean;
  scanTimeout: number;
}

/** Applies defaults and rejects contradictory or out-of-range options. */
export function resolveStoreOptions(o: MemkitStoreOptions): ResolvedStoreOptions {
  if (o.client !== undefined && o.servers !== undefined) {
    throw new MemkitError('ERR_INVALID_ARGUMENT', 'give either `client` or `servers`, not both');
  }
  const prefix = resolvePrefix(o);
  const serializer = o.serializer ?? JSON;
  if (typeof serializer.stringify !== 'function' || typeof serializer.parse !== 'function') {
    throw new MemkitError('ERR_INVALID_ARGUMENT', 'serializer needs stringify(session) and parse(text)');
  }
  if (o.disableTTL && o.ttl !== undefined) {
    throw new MemkitError('ERR_INVALID_ARGUMENT', 'give either `ttl` or `disableTTL`, not both');
  }
  const scanTimeout = o.scanTimeout ?? 10_000;
  if (!Number.isFinite(scanTimeout) || scanTimeout <= 0) {
    throw new MemkitError('ERR_INVALID_ARGUMENT', `scanTimeout must be a positive number of ms`);
  }
  return {
    prefix,
    ttl: validateTtlOption(o.ttl),
    serializer,
    disableTouch: o.disableTouch ?? false,
    disableTTL: o.disableTTL ?? false,
    scanTimeout,
  };
}

let warnedPrefix = false;

/** `keyPrefix`, or its old name `prefix` with a one-time deprecation warning. */
function resolvePrefix(o: MemkitStoreOptions): string {
  if (o.prefix !== undefined && o.keyPrefix !== undefined) {
    throw new MemkitError('ERR_INVALID_ARGUMENT', 'give keyPrefix or its old name prefix, not both');
  }
  if (o.prefix !== undefined && !warnedPrefix) {
    warnedPrefix = true;
    process.emitWarning('memkit: the MemkitStore option prefix is deprecated; use keyPrefix', {
      type: 'DeprecationWarning',
      code: 'MEMKIT_DEP_STORE_PREFIX',
    });
  }
  const prefix = o.keyPrefix ?? o.prefix ?? 'sess:';
  if (typeof prefix !== 'string') throw new MemkitError('ERR_INVALID_ARGUMENT', 'keyPrefix must be a string');
  return prefix;
}
