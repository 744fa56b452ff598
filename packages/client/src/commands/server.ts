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
export function eachServer<T>(
  ctx: Context,
  make: (pool: ServerPool) => Exchange<T>,
  opts: CommandOptions | undefined,
  alone = false,
): Promise<ServerResult<T>[]> {
  const pools = ctx.cluster.pools;
  // Built first: an invalid argument rejects the call before anything is sent.
  const exchanges = pools.map(make);
  return settleEach(ctx, exchanges[0]?.command ?? '', (pool, i) =>
    ctx.dispatch(pool, exchanges[i]!, opts, alone),
  );
}

/** Runs `run` on every server in parallel; one result per server, in configuration order. */
async function settleEach<T>(
  ctx: Context,
  command: string,
  run: (pool: ServerPool, i: number) => Promise<T>,
): Promise<ServerResult<T>[]> {
  const pools = ctx.cluster.pools;
  const settled = await Promise.allSettled(pools.map(run));
  const results = settled.map((s, i): ServerResult<T> => {
    const server = pools[i]!.node.address;
    if (s.status === 'fulfilled') return { server, ok: true, value: s.value };
    return { server, ok: false, error: asServerError(s.reason, server, command) };
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

/**
 * Every item's metadata on every server: `lru_crawler metadump hash`, which
 * lists every item once, or `all` (the LRU walk, which can miss items in
 * motion) on a server that refuses the hash walk (memcached < 1.6.9); the
 * refusal is remembered per server.
 */
export function metadump(
  ctx: Context,
  opts: CommandOptions | undefined,
): Promise<ServerResult<MetadumpReply[]>[]> {
  return settleEach(ctx, 'lru_crawler metadump', (pool) => metadumpOf(ctx, pool, opts));
}

async function metadumpOf(
  ctx: Context,
  pool: ServerPool,
  opts: CommandOptions | undefined,
): Promise<MetadumpReply[]> {
  if (pool.metadumpScope === 'hash') {
    const hash = pool.dialect.metadump('hash');
    try {
      return await ctx.dispatch(pool, hash, opts, true);
    } catch (err) {
      if (!hash.scopeRefused) throw err;
      pool.metadumpScope = 'all';
    }
  }
  return ctx.dispatch(pool, pool.dialect.metadump('all'), opts, true);
}
