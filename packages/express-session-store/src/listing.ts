/**
 * Enumerating one store's sessions. memcached has no cheap way to list keys,
 * so this walks the whole cache with `lru_crawler metadump` (client.metadump) on every
 * server (memcached >= 1.4.31 with the crawler enabled, or @memkit/server)
 * and keeps the keys under the store's prefix. It is an admin operation: its
 * cost grows with everything in the cache, not with the number of sessions.
 */
import {
  type Client,
  isPartialFailure,
  type KeyFailure,
  MemkitError,
  PartialFailureError,
} from '@memkit/client';

/** Keys per getMulti/deleteMulti batch, so one huge listing is not one huge request. */
export const BATCH_SIZE = 500;

/** A walk's result: the keys found on the servers that answered, and the servers that did not. */
export interface Listing {
  keys: string[];
  /** One entry per server that could not be walked (`keys` empty: they could not be listed). */
  failures: KeyFailure[];
}

/**
 * The full memcached keys under `prefix`, across every server, each once
 * (after a failover the same key can sit on two servers). memcached's crawler
 * already skips items that expired or were flushed. Rejects when no server
 * could be walked; otherwise the servers that failed are in `failures`.
 */
export async function listKeys(client: Client, prefix: string, timeout: number): Promise<Listing> {
  const dump = await client.metadump({ timeout });
  const keys = new Set<string>();
  const failures: KeyFailure[] = [];
  for (const r of dump) {
    if (!r.ok) failures.push({ server: r.server, keys: [], error: explain(r.error) });
    else for (const item of r.value) if (item.key.startsWith(prefix)) keys.add(item.key);
  }
  if (failures.length === dump.length) throw failures[0]!.error;
  return { keys: [...keys], failures };
}

/** A server without the LRU crawler: say which store calls need it. */
function explain(err: MemkitError): MemkitError {
  if (err.code !== 'ERR_UNSUPPORTED') return err;
  return new MemkitError(
    'ERR_UNSUPPORTED',
    `listing sessions (all/length/clear/ids) needs memcached's LRU crawler, which this server disables: ${err.message}`,
    { cause: err, ...(err.server === undefined ? {} : { server: err.server }) },
  );
}

/**
 * Runs a multi-key call whose servers may partly fail: its result, or the
 * partial result of a partial failure with the failures added to `failures`.
 * Any other error rejects.
 */
export async function keepPartial<T>(call: Promise<T>, failures: KeyFailure[]): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (!isPartialFailure<T>(err)) throw err;
    failures.push(...err.failures);
    return err.partial;
  }
}

/** `result`, or a PartialFailureError carrying it when some servers failed. */
export function settlePartial<T>(method: string, result: T, failures: KeyFailure[]): T {
  if (failures.length > 0) throw new PartialFailureError(method, result, failures);
  return result;
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
 * bytes a text key cannot hold one by one as binary keys. Keys of servers that
 * failed are added to `failures`.
 */
export async function deleteRawKeys(
  client: Client,
  keys: readonly string[],
  failures: KeyFailure[],
): Promise<void> {
  const raw = client.withKeyOptions({ keyPrefix: '', keyMapping: 'strict' });
  const text = keys.filter((k) => !/[\x00-\x20\x7f]/.test(k));
  for (const batch of chunks(text)) await keepPartial(raw.deleteMulti(batch), failures);
  for (const k of keys) if (!text.includes(k)) await raw.delete(Buffer.from(k, 'utf8'));
}
