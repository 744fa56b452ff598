/**
 * python-memcached's server selection ("modula" over weighted buckets),
 * reproduced exactly so memkit and Python processes sharing a cluster put
 * every key on the same server, including while a server is dead.
 * Proven against the repository's fixtures/vectors/modula-python-memcached.json.
 */
import { MemkitError } from '@memkit/protocol';
import { crc32, type KeyInput } from './hash';
import type { NodeLocator, ServerNode } from './locator';

/** python-memcached's `Client._SERVER_RETRIES`: probes before giving up on a key. */
export const MODULA_SERVER_RETRIES = 10;

/**
 * python-memcached's `cmemcache_hash`: bits 16-30 of the CRC-32 of the key's
 * bytes, and 1 instead of 0.
 */
export function cmemcacheHash(key: KeyInput): number {
  return (crc32(key) >>> 16) & 0x7fff || 1;
}

/** Options of `ModulaLocator`. */
export interface ModulaLocatorOptions {
  /**
   * The server hash. `'cmemcache'` (default) is python-memcached's default;
   * `'crc32'` is the plain CRC-32 that `memcache.useOldServerHashFunction()`
   * switches to. The same function re-hashes during dead-server probing.
   */
  hash?: 'cmemcache' | 'crc32';
}

/**
 * python-memcached's `Client._get_server`: the buckets are the configured
 * servers, each repeated `weight` times (weight 0 gives none), and a key goes
 * to `buckets[hash % buckets.length]`. When that server is not live, the hash
 * is replaced by `hash(ascii(String(h) + String(i)))` for attempt `i` and the
 * bucket is looked up again, at most 10 times.
 *
 * The buckets never change: `rebuild` only records which servers are live,
 * so keys of live servers never move (that is python-memcached's behaviour).
 */
export class ModulaLocator implements NodeLocator {
  readonly #buckets: readonly ServerNode[];
  readonly #hash: (key: KeyInput) => number;
  #live: ReadonlySet<string>;

  /**
   * @param nodes the configured servers in configuration order; all start live.
   * @throws MemkitError `ERR_INVALID_ARGUMENT` on a negative or non-integer weight.
   */
  constructor(nodes: readonly ServerNode[], options: ModulaLocatorOptions = {}) {
    const buckets: ServerNode[] = [];
    for (const node of nodes) {
      if (!Number.isInteger(node.weight) || node.weight < 0) {
        throw new MemkitError(
          'ERR_INVALID_ARGUMENT',
          `modula: weight of ${node.address} must be an integer >= 0, got ${node.weight}`,
        );
      }
      for (let i = 0; i < node.weight; i++) buckets.push(node);
    }
    this.#buckets = buckets;
    this.#hash = options.hash === 'crc32' ? crc32 : cmemcacheHash;
    this.#live = new Set(nodes.map((n) => n.address));
  }

  /** The configured servers as buckets (each repeated `weight` times). */
  get buckets(): readonly ServerNode[] {
    return this.#buckets;
  }

  /** The server for `key`, probing past dead servers like python-memcached. */
  locate(key: KeyInput): ServerNode | undefined {
    return this.locateHash(this.#hash(key));
  }

  /**
   * Up to `n` distinct live servers for `key`: `locate(key)`'s first, then
   * the live servers of the following buckets, in bucket order (python-memcached
   * has no replication; this is memkit's placement for `replicas`).
   */
  locateN(key: KeyInput, n: number): ServerNode[] {
    const first = this.locate(key);
    if (!first || n <= 0) return [];
    const buckets = this.#buckets;
    const found = [first];
    const start = buckets.indexOf(first);
    for (let k = 1; k < buckets.length && found.length < n; k++) {
      const node = buckets[(start + k) % buckets.length]!;
      if (this.#live.has(node.address) && !found.includes(node)) found.push(node);
    }
    return found;
  }

  /**
   * The server for a precomputed hash: python-memcached's `(hashvalue, key)`
   * keys, which bypass the key hash. Dead-server probing still applies.
   * @throws MemkitError `ERR_INVALID_ARGUMENT` when `hash` is not a safe integer.
   */
  locateHash(hash: number): ServerNode | undefined {
    if (!Number.isSafeInteger(hash)) {
      throw new MemkitError('ERR_INVALID_ARGUMENT', `modula: hash must be a safe integer, got ${hash}`);
    }
    const buckets = this.#buckets;
    const n = buckets.length;
    if (n === 0) return undefined;
    let h = hash;
    for (let i = 0; i < MODULA_SERVER_RETRIES; i++) {
      // Python's % is never negative for a positive divisor; JS's can be.
      const node = buckets[((h % n) + n) % n]!;
      if (this.#live.has(node.address)) return node;
      h = this.#hash(String(h) + String(i));
    }
    return undefined;
  }

  /**
   * Marks exactly `liveNodes` (by `address`) as live and every other
   * configured server as dead. Servers that were not configured are ignored:
   * python-memcached's bucket list is fixed when the client is created.
   */
  rebuild(liveNodes: readonly ServerNode[]): void {
    this.#live = new Set(liveNodes.map((n) => n.address));
  }
}
