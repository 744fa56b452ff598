/**
 * Reads of the old cluster for the warm-up route: the stored bytes and flags
 * of each key (never decoded: they are copied to the new cluster as they
 * are) and, from a meta server, the item's remaining TTL (`mg … v f t`, `-1`
 * meaning no expiry). A text server cannot say it: its hits carry no TTL
 * and the route uses `warmTtl`. Several keys of one server go out as one
 * batch (meta: quiet `mg` lines closed by `mn`; text: one `get k1 k2 …`).
 */
import { encodeMetaGet, encodeMetaGetBatch, type Reply } from '@memkit/protocol';
import { groupKeys } from '../commands/group-keys';
import type { ServerPool } from '../connection/pool';
import type { Context } from '../context';
import { MetaBatch, MetaReplyExchange } from '../exchanges/meta';
import { nextOpaque, reserveOpaques } from '../exchanges/opaque';
import type { WireKey } from '../keys';
import { type RawValue, rawSerializer } from '../serialization/raw';

/** An item of the old cluster. */
export interface OldItem {
  bytes: Buffer;
  flags: number;
  /** Remaining seconds (`-1`: no expiry); undefined when the server cannot say (text protocol). */
  ttl: number | undefined;
}

/** `key` from the old cluster (`ctx` is the old client's), or undefined on a miss. Rejects on failures. */
export async function readOldOne(
  ctx: Context,
  key: WireKey,
  timeout: number | undefined,
): Promise<OldItem | undefined> {
  const pool = await known(ctx.cluster.poolFor(key.route));
  const opts = timeout === undefined ? undefined : { timeout };
  if (pool.dialect.name === 'meta') {
    const opaque = nextOpaque();
    const line = encodeMetaGet(key.wire, { value: true, flags: true, ttl: true, opaque, base64: key.base64 });
    const reply = await ctx.dispatch(pool, new MetaReplyExchange('warmUp', opaque, [line]), opts);
    return reply && { bytes: reply.value, flags: reply.flags ?? 0, ttl: reply.ttl };
  }
  const raw = (await ctx.dispatch(pool, pool.dialect.retrieve('get', key, undefined, rawSerializer), opts)) as
    | RawValue
    | undefined;
  return raw && { bytes: raw.value, flags: raw.flags, ttl: undefined };
}

/**
 * The hits among `keys` in the old cluster, one batch per old server. A
 * server that fails costs only its own keys (they are left out: misses).
 */
export async function readOldMany(
  ctx: Context,
  keys: readonly string[],
  prefix: string,
  timeout: number | undefined,
): Promise<Map<string, OldItem>> {
  const out = new Map<string, OldItem>();
  const { groups } = groupKeys(ctx, keys, prefix);
  const opts = timeout === undefined ? undefined : { timeout };
  await Promise.allSettled(
    groups.map(async (g) => {
      const pool = await known(g.pool);
      if (pool.dialect.name === 'meta') {
        const got = await ctx.dispatch(pool, MetaWarmBatch.of(g.wires, g.base64, g.keys), opts);
        for (const [k, item] of got) out.set(k, item);
        return;
      }
      const hits = new Map<string, RawValue>();
      const ex = pool.dialect.getMulti('warmUp', g.wires, g.keys, hits, rawSerializer, false, g.base64);
      for (const [k, raw] of await ctx.dispatch(pool, ex, opts))
        out.set(k, { bytes: raw.value, flags: raw.flags, ttl: undefined });
    }),
  );
  return out;
}

/** `pool` once its protocol is known (`protocol: 'auto'`), so that its dialect is the real one. */
async function known(pool: ServerPool): Promise<ServerPool> {
  const pending = pool.protocolKnown();
  if (pending) await pending;
  return pool;
}

/** Quiet `mg <key> v f t O<n> q` per key, closed by `mn`: the hits with their remaining TTL. */
class MetaWarmBatch extends MetaBatch<Map<string, OldItem>> {
  private readonly out = new Map<string, OldItem>();

  private constructor(
    line: string,
    base: number,
    private readonly keys: readonly string[],
  ) {
    super('warmUp', [line], keys.length, base);
  }

  static of(wires: readonly string[], base64: readonly boolean[] | undefined, keys: readonly string[]) {
    const base = reserveOpaques(wires.length);
    const line = encodeMetaGetBatch(
      wires,
      { value: true, flags: true, ttl: true, quiet: true },
      base,
      base64,
    );
    return new MetaWarmBatch(line, base, keys);
  }

  protected item(index: number, reply: Reply, server: string): void {
    if (reply.type !== 'VA') return void this.unexpected(reply, server);
    this.out.set(this.keys[index]!, { bytes: reply.value, flags: reply.flags ?? 0, ttl: reply.ttl });
  }

  protected result(): Map<string, OldItem> {
    return this.out;
  }
}
