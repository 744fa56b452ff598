/**
 * Retrieval commands: get, gets, gat, gats (single key), as the server's
 * dialect writes them.
 */
import { toExptime } from '@memkit/protocol';
import type { Context } from '../context';
import type { RetrievalKind } from '../dialect/index';
import { nearRetrieve, writing } from '../near-cache/near-read';
import type { CommandOptions } from '../options';

export type { CasResult } from '../exchanges/text';

/**
 * Shared path of the four single-key retrievals. With a near cache, get and
 * gets read through it; gat and gats go to memcached and drop the key from
 * it (they change the item's TTL, which bounds how long an entry may live).
 */
export function retrieve(
  ctx: Context,
  kind: RetrievalKind,
  key: string | Uint8Array,
  ttlSeconds: number | undefined,
  opts: CommandOptions | undefined,
): Promise<unknown> {
  const near = ctx.near;
  if (near !== undefined && (kind === 'get' || kind === 'gets')) {
    return nearRetrieve(ctx, near, key, kind === 'gets', opts);
  }
  const k = ctx.key(key);
  const pool = ctx.cluster.poolFor(k.route);
  const exptime = ttlSeconds === undefined ? undefined : toExptime(ttlSeconds);
  const done = ctx.dispatch(pool, pool.dialect.retrieve(kind, k, exptime, ctx.serializer), opts);
  return near === undefined ? done : writing(ctx, k, done);
}
