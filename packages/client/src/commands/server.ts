/**
 * Commands addressed to servers rather than keys: stats, version, flush_all
 * and key listing (`lru_crawler metadump`). Each runs on every server in
 * parallel and resolves one `ServerResult` per server, in configuration
 * order: a server that fails is an entry with its error, never a rejection
 * of the whole call (see partial.ts). Only a closed client or an aborted
 * call rejects it.
 */
import type { MetadumpReply } from '@memkit/protocol';
import type { ServerPool } from '../connection/pool';
import type { Context } from '../context';
import type { Exchange } from '../exchanges/exchange';
import { invalidating } from '../near-cache/near-read';
import type { CommandOptions } from '../options';
import { asServerError, callError, type ServerResult } from '../partial';

/** Runs one exchange per server (`alone`: each on a one-off connection); one result per server. */
export async function eachServer<T>(
  ctx: Context,
  make: (pool: ServerPool) => Exchange<T>,
  opts: CommandOptions | undefined,
  alone = false,
): Promise<ServerResult<T>[]> {
  const pools = ctx.cluster.pools;
  // Built first: an invalid argument rejects the call before anything is sent.
  const exchanges = pools.map(make);
  const settled = await Promise.allSettled(pools.map((p, i) => ctx.dispatch(p, exchanges[i]!, opts, alone)));
  const results = settled.map((s, i): ServerResult<T> => {
    const server = pools[i]!.node.address;
    if (s.status === 'fulfilled') return { server, ok: true, value: s.value };
    return { server, ok: false, error: asServerError(s.reason, server, exchanges[i]!.command) };
  });
  // A closed client or an aborted call is the call's failure, not a server's.
  const own = callError(results.flatMap((r) => (r.ok ? [] : [r.error])));
  if (own) throw own;
  return results;
}

/** `stats [arg]` on every server. */
export function stats(
  ctx: Context,
  arg: string | undefined,
  opts: CommandOptions | undefined,
): Promise<ServerResult<Record<string, string>>[]> {
  return eachServer(ctx, (pool) => pool.dialect.stats(arg), opts);
}

/** `version` of every server. */
export function version(ctx: Context, opts: CommandOptions | undefined): Promise<ServerResult<string>[]> {
  return eachServer(ctx, (pool) => pool.dialect.version(), opts);
}

/**
 * `flush_all [delay]` on every server. The near cache is emptied now and
 * when the flush settles (a delayed flush empties it at once: its entries
 * would otherwise outlive the items).
 */
export function flushAll(
  ctx: Context,
  delaySeconds: number | undefined,
  opts: CommandOptions | undefined,
): Promise<ServerResult<void>[]> {
  const done = eachServer(ctx, (pool) => pool.dialect.flushAll(delaySeconds), opts);
  return ctx.near === undefined ? done : invalidating(ctx.near, undefined, done);
}

/** Every item's metadata (`lru_crawler metadump all`) on every server. */
export function metadump(
  ctx: Context,
  opts: CommandOptions | undefined,
): Promise<ServerResult<MetadumpReply[]>[]> {
  return eachServer(ctx, (pool) => pool.dialect.metadump(), opts, true);
}
