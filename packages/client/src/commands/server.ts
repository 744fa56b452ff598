/**
 * Commands addressed to servers rather than keys: stats, version, flush_all
 * and key listing (`lru_crawler metadump`). Each runs on every server in
 * parallel and returns results keyed by server address.
 */
import type { MetadumpReply } from '@memkit/protocol';
import type { ServerPool } from '../connection/pool';
import type { Context } from '../context';
import type { Exchange } from '../exchanges/exchange';
import type { CommandOptions } from '../options';

/** Runs one exchange per server (`alone`: each on a one-off connection); results keyed by address. Rejects if any server fails. */
export async function eachServer<T>(
  ctx: Context,
  make: (pool: ServerPool) => Exchange<T>,
  opts: CommandOptions | undefined,
  alone = false,
): Promise<Record<string, T>> {
  const pools = ctx.cluster.pools;
  const values = await Promise.all(pools.map((p) => ctx.dispatch(p, make(p), opts, alone)));
  const out: Record<string, T> = {};
  pools.forEach((p, i) => {
    out[p.node.address] = values[i] as T;
  });
  return out;
}

/** `stats [arg]` on every server. */
export function stats(
  ctx: Context,
  arg: string | undefined,
  opts: CommandOptions | undefined,
): Promise<Record<string, Record<string, string>>> {
  return eachServer(ctx, (pool) => pool.dialect.stats(arg), opts);
}

/** `version` of every server. */
export function version(ctx: Context, opts: CommandOptions | undefined): Promise<Record<string, string>> {
  return eachServer(ctx, (pool) => pool.dialect.version(), opts);
}

/** `flush_all [delay]` on every server. */
export async function flushAll(
  ctx: Context,
  delaySeconds: number | undefined,
  opts: CommandOptions | undefined,
): Promise<void> {
  await eachServer(ctx, (pool) => pool.dialect.flushAll(delaySeconds), opts);
}

/** Every item's metadata (`lru_crawler metadump all`) on every server. */
export function metadump(
  ctx: Context,
  opts: CommandOptions | undefined,
): Promise<Record<string, MetadumpReply[]>> {
  return eachServer(ctx, (pool) => pool.dialect.metadump(), opts, true);
}
