/**
 * The physical key layout in memcached:
 *
 *   data:       `${keyPrefix}${namespace}:${generation}:${key}`
 *   generation: `${keyPrefix}${namespace}:__gen`
 *
 * The generation is a base-36 number, so it can never be `__gen` and a data
 * key can never equal a generation key. Bumping the generation (clear())
 * makes every older data key of the namespace unreachable at once.
 */

/** The key under which a namespace's generation counter lives. */
export function generationKey(keyPrefix: string, namespace: string | undefined): string {
  return `${keyPrefix}${namespace ?? ''}:__gen`;
}

/** The start shared by every data key of one namespace generation. */
export function generationPrefix(
  keyPrefix: string,
  namespace: string | undefined,
  generation: string,
): string {
  return `${keyPrefix}${namespace ?? ''}:${generation}:`;
}

/** The memcached key that holds `key` in `namespace` at `generation`. */
export function dataKey(
  keyPrefix: string,
  namespace: string | undefined,
  generation: string,
  key: string,
): string {
  return generationPrefix(keyPrefix, namespace, generation) + key;
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
