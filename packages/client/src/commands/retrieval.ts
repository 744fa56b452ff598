/**
 * Retrieval commands: get, gets, gat, gats (single key), as the server's
 * dialect writes them.
 */
import { toExptime } from '@memkit/protocol';
import { capExptime } from '../cluster/ttl-cap';
import type { Context } from '../context';
import type { RetrievalKind } from '../dialect/index';
import type { CommandOptions } from '../options';
import { replicatedRetrieve } from './replicated';

export type { CasResult } from '../exchanges/text';

/** Shared path of the four single-key retrievals. */
export function retrieve(
  ctx: Context,
  kind: RetrievalKind,
  key: string | Uint8Array,
  ttlSeconds: number | undefined,
  opts: CommandOptions | undefined,
): Promise<unknown> {
  if (ctx.replicated) return replicatedRetrieve(ctx, kind, key, ttlSeconds, opts);
  const k = ctx.key(key);
  const pool = ctx.cluster.poolFor(k.route);
  let exptime = ttlSeconds === undefined ? undefined : toExptime(ttlSeconds);
  if (exptime !== undefined && pool.ttlCap !== undefined) exptime = capExptime(exptime, pool.ttlCap);
  const req = pool.dialect.retrieve(kind, k, exptime, ctx.serializer);
  // An invalidation of this key is still due on that server: what it holds may be stale, so a hit
  // is answered as a miss. The read still goes out, so that a failed server is a failure.
  if (ctx.cluster.invalidations.pending !== 0 && ctx.cluster.stale(pool, k))
    return ctx.dispatch(pool, req, opts).then(() => undefined);
  return ctx.dispatch(pool, req, opts);
}
