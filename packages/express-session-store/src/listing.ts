/**
 * Enumerating one store's sessions. memcached has no cheap way to list keys,
 * so this walks the whole cache with `lru_crawler metadump all` on every
 * server (memcached >= 1.4.31 with the crawler enabled, or @memkit/server)
 * and keeps the keys under the store's prefix. It is an admin operation: its
 * cost grows with everything in the cache, not with the number of sessions.
 */
import { type Client, isMemkitError, MemkitError } from '@memkit/client';

/** Keys per getMulti/deleteMulti batch, so one huge listing is not one huge request. */
export const BATCH_SIZE = 500;

/**
 * The full memcached keys under `prefix`, across every server, each once
 * (after a failover the same key can sit on two servers). memcached's crawler
 * already skips items that expired or were flushed.
 */
export async function listKeys(client: Client, prefix: string, timeout: number): Promise<string[]> {
  let dump: Awaited<ReturnType<Client['metadump']>>;
  try {
    dump = await client.metadump({ timeout });
  } catch (err) {
    if (isMemkitError(err, 'ERR_UNSUPPORTED')) {
      throw new MemkitError(
        'ERR_UNSUPPORTED',
        `listing sessions (all/length/clear/ids) needs memcached's LRU crawler, which this server disables: ${err.message}`,
        { cause: err, ...(err.server === undefined ? {} : { server: err.server }) },
      );
    }
    throw err;
  }
  const keys = new Set<string>();
  for (const items of Object.values(dump)) {
    for (const item of items) if (item.key.startsWith(prefix)) keys.add(item.key);
  }
  return [...keys];
}

/** Splits `items` into arrays of at most `size`. */
export function chunks<T>(items: readonly T[], size = BATCH_SIZE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Deletes items by their full memcached key as a walk lists them (the client's
 * key prefix included, no mapping applied): text keys in batches, keys with
 * bytes a text key cannot hold one by one as binary keys.
 */
export async function deleteRawKeys(client: Client, keys: readonly string[]): Promise<void> {
  const raw = client.withKeyOptions({ keyPrefix: '', keyMapping: 'strict' });
  const text = keys.filter((k) => !/[\x00-\x20\x7f]/.test(k));
  for (const batch of chunks(text)) await raw.deleteMulti(batch);
  for (const k of keys) if (!text.includes(k)) await raw.delete(Buffer.from(k, 'utf8'));
}
