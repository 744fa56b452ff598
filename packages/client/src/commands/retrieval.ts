/**
 * Retrieval commands: get, gets, gat, gats (single key), as the server's
 * dialect writes them.
 */
import { toExptime } from '@memkit/protocol';
import type { Context } from '../context';
import type { RetrievalKind } from '../dialect/index';
import type { CommandOptions } from '../options';

export type { CasResult } from '../exchanges/text';

/** Shared path of the four single-key retrievals. */
export function retrieve(
  ctx: Context,
  kind: RetrievalKind,
  key: string | Uint8Array,
  ttlSeconds: number | undefined,
  opts: CommandOptions | undefined,
): Promise<unknown> {
  const k = ctx.key(key);
  const pool = ctx.cluster.poolFor(k.route);
  const exptime = ttlSeconds === undefined ? undefined : toExptime(ttlSeconds);
  return ctx.dispatch(pool, pool.dialect.retrieve(kind, k, exptime, ctx.serializer), opts);
}
