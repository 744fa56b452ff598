/**
 * Commands addressed to servers rather than keys: stats, version, flush_all
 * and key listing (`lru_crawler metadump`). Each runs on every server in
 * parallel and returns results keyed by server address.
 */
import { encodeFlushAll, encodeStats, encodeVersion, type MetadumpReply } from '@memkit/protocol';
import type { ServerPool } from '../connection/pool';
import type { Request } from '../connection/request';
import type { Context } from '../context';
import type { CommandOptions } from '../options';
import { MetadumpRequest, OkRequest, StatsRequest, VersionRequest } from '../requests/admin';

/** Runs one request per server (`alone`: each on a one-off connection); results keyed by address. Rejects if any server fails. */
export async function eachServer<T>(
  ctx: Context,
  make: (pool: ServerPool) => Request<T>,
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
  const line = encodeStats(arg);
  return eachServer(ctx, () => new StatsRequest(line), opts);
}

/** `version` of every server. */
export function version(ctx: Context, opts: CommandOptions | undefined): Promise<Record<string, string>> {
  const line = encodeVersion();
  return eachServer(ctx, () => new VersionRequest(line), opts);
}

/** `flush_all [delay]` on every server. */
export async function flushAll(
  ctx: Context,
  delaySeconds: number | undefined,
  opts: CommandOptions | undefined,
): Promise<void> {
  const line = encodeFlushAll(delaySeconds);
  await eachServer(ctx, () => new OkRequest('flush_all', line), opts);
}

/** Every item's metadata (`lru_crawler metadump all`) on every server. */
export function metadump(
  ctx: Context,
  opts: CommandOptions | undefined,
): Promise<Record<string, MetadumpReply[]>> {
  return eachServer(ctx, () => new MetadumpRequest(), opts, true);
}
