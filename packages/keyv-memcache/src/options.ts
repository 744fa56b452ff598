/**
 * Adapter options and where the memcached client comes from: a `Client` the
 * caller owns, or client options / a server list from which the adapter
 * builds (and later closes) its own.
 */
import { Client, type ClientOptions, MemkitError } from '@memkit/client';

/**
 * Which Keyv storage contract the adapter follows.
 * - `5`: Keyv 5 prefixes keys with `namespace:` and passes `set(key, value, ttlMs)`.
 * - `6`: Keyv 6 passes bare keys and `set(key, value, expiresAtMs)` (absolute).
 * - `'auto'`: start as 5 and switch to 6 when Keyv 6 reads the adapter's
 *   `capabilities` (it does so once, when the store is attached; Keyv 5 never does).
 */
export type KeyvVersionOption = 5 | 6 | 'auto';

/** Options of {@link KeyvMemkit}. Every field is optional. */
export interface KeyvMemkitOptions {
  /**
   * The namespace: its keys are isolated from other namespaces and `clear()`
   * clears only them. Keyv overrides it with its own `namespace` option (Keyv 5
   * always does, with its default `'keyv'`). Default `'keyv'`.
   */
  namespace?: string;
  /** Prepended to every memcached key this adapter writes, before the namespace. Default `''`. */
  keyPrefix?: string;
  /** The Keyv contract to follow. Default `'auto'` (see {@link KeyvVersionOption}). */
  keyvVersion?: KeyvVersionOption;
}

/**
 * Where the client comes from: a `Client` (used as is and never closed by the
 * adapter), `ClientOptions`, a comma-separated server list (`'a:11211,b:11211'`)
 * or an array of servers. Default: `127.0.0.1:11211`.
 */
export type ClientSource = Client | ClientOptions | string | readonly string[] | undefined;

function isClient(source: unknown): source is Client {
  if (source instanceof Client) return true;
  // A Client from another copy of @memkit/client (CJS next to ESM) fails instanceof.
  const c = source as Partial<Client> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.getMulti === 'function' &&
    typeof c.setMulti === 'function' &&
    typeof c.incr === 'function'
  );
}

/** Resolves the client; `owned` tells whether the adapter created it (and so closes it). */
export function resolveClient(source: ClientSource): { client: Client; owned: boolean } {
  if (isClient(source)) return { client: source, owned: false };
  if (source === undefined) return { client: new Client(), owned: true };
  if (typeof source === 'string' || Array.isArray(source)) {
    const list = (typeof source === 'string' ? source.split(',') : [...(source as readonly string[])])
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (list.length === 0) throw new MemkitError('ERR_INVALID_ARGUMENT', 'the server list is empty');
    return { client: new Client({ servers: list }), owned: true };
  }
  if (typeof source === 'object' && source !== null) {
    return { client: new Client(source as ClientOptions), owned: true };
  }
  throw new MemkitError(
    'ERR_INVALID_ARGUMENT',
    `expected a Client, client options or a server list, got ${typeof source}`,
  );
}
