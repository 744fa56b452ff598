/**
 * The key layout in memcached. Each namespace is a scope, the prefix under
 * which all its keys live:
 *
 *   scope:      `${clientKeyPrefix}${keyPrefix}${namespace}:`
 *   data:       scope + `${generation}:${key}`
 *   generation: scope + `__gen`
 *
 * The adapter talks to memcached through a view of the client whose key
 * prefix is the scope and whose key mapping is `'auto'`, so every string Keyv
 * hands over is a key (mapKey in @memkit/client): a data key that is a valid
 * memcached key stays exactly as laid out above; one with spaces or control
 * characters is sent as a binary key (its raw bytes, meta `b` flag); one too
 * long becomes `scope + '#sha256:' + base64url(SHA-256(scope + generation + ':' + key))`,
 * still inside the namespace. The generation is a base-36 number, so a data
 * key never equals the generation key or starts with the digest marker.
 * Bumping the generation (clear()) makes every older data key unreachable.
 */

/** The generation counter's key inside a namespace scope. */
export const GENERATION_KEY = '__gen';

/** The scope (full key prefix) of a namespace. */
export function namespaceScope(
  clientKeyPrefix: string,
  keyPrefix: string,
  namespace: string | undefined,
): string {
  return `${clientKeyPrefix}${keyPrefix}${namespace ?? ''}:`;
}

/** The key, inside its namespace scope, that holds `key` at `generation`. */
export function dataKey(generation: string, key: string): string {
  return `${generation}:${key}`;
}

/**
 * Keyv 5 prefixes every key with `${namespace}:` itself before calling the
 * store; Keyv 6 hands the bare key and leaves namespacing to the store. The
 * adapter drops Keyv 5's prefix so both versions write the same physical key
 * for the same namespace and key (and the namespace is not spent twice out
 * of memcached's 250 bytes).
 */
export function stripNamespace(key: string, namespace: string | undefined): string {
  if (!namespace) return key;
  const head = `${namespace}:`;
  return key.startsWith(head) ? key.slice(head.length) : key;
}
