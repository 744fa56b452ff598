/**
 * Retrieval commands: get, gets, gat, gats (single key), as the server's
 * dialect writes them.
 */
import { toExptime } from '@memkit/protocol';
import { capExptime } from '../cluster/ttl-cap';
import type { Context } from '../context';
import type { RetrievalKind } from '../dialect/index';
import { slotOf } from '../near-cache/near-cache';
import { nearRetrieve, writing } from '../near-cache/near-read';
import type { CommandOptions } from '../options';
import { replicatedRetrieve } from './replicated';

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
  if (ctx.replicated) return replicatedRetrieve(ctx, kind, key, ttlSeconds, opts);
  const near = ctx.near;
  if (near !== undefined && (kind === 'get' || kind === 'gets')) {
    if (ctx.cluster.invalidations.pending === 0) return nearRetrieve(ctx, near, key, kind === 'gets', opts);
    const k = ctx.key(key);
    // A key whose invalidation is still due is read from memcached below (and answered as a
    // miss), never from the near cache, which must not keep what it had of it either.
    if (!ctx.cluster.stale(ctx.cluster.poolFor(k.route), k))
      return nearRetrieve(ctx, near, key, kind === 'gets', opts);
    near.invalidate(slotOf(k.wire, k.base64));
  }
  const k = ctx.key(key);
  const pool = ctx.cluster.poolFor(k.route);
  let exptime = ttlSeconds === undefined ? undefined : toExptime(ttlSeconds);
  if (exptime !== undefined && pool.ttlCap !== undefined) exptime = capExptime(exptime, pool.ttlCap);
  const req = pool.dialect.retrieve(kind, k, exptime, ctx.serializer);
  // An invalidation of this key is still due on that server: what it holds may be stale, so a hit
  // is answered as a miss. The read still goes out, so that a failed server is a failure.
  if (ctx.cluster.invalidations.pending !== 0 && ctx.cluster.stale(pool, k))
    return ctx.dispatch(pool, req, opts).then(() => undefined);
  const done = ctx.dispatch(pool, req, opts);
  return near === undefined ? done : writing(ctx, k, done);
}
