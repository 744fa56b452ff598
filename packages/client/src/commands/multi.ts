/**
 * Multi-key commands across the cluster: keys are grouped by server, each
 * group goes out as one pipelined batch (meta: quiet commands + `mn`; text:
 * multi-key `get` lines / consecutive storage commands), groups run in
 * parallel, and results are merged. A failing server costs only its own
 * keys: misses for getMulti, failed keys for setMulti/deleteMulti.
 */
import {
  type Chunk,
  encodeDelete,
  encodeGet,
  encodeMetaDelete,
  encodeMetaGetBatch,
  encodeMetaSet,
  encodeStore,
  toExptime,
} from '@memkit/protocol';
import type { ServerPool } from '../connection/pool';
import type { Context } from '../context';
import type { WireKey } from '../keys';
import type { CommandOptions } from '../options';
import { batchOpaque, MetaMultiGetRequest, MetaMultiStatusRequest, reserveOpaques } from '../requests/meta';
import { TextGetRequest, TextStatusRequest } from '../requests/text';
import { serializeValue } from './storage';

/** Options of multi-key commands. */
export interface MultiOptions extends CommandOptions {
  /** Prefix for this call instead of the client's `keyPrefix` (python-memcached's `key_prefix` argument). */
  keyPrefix?: string;
}

/** Flags of each `mg` of a multi-get: value, client flags, quiet (misses send nothing). */
const GET_MULTI_FLAGS = { value: true, flags: true, quiet: true } as const;

/** Text `get` lines carry at most this many keys, to stay far below server line limits. */
const TEXT_KEYS_PER_LINE = 100;

interface Group<K> {
  pool: ServerPool;
  items: Array<{ key: K; wire: WireKey; index: number }>;
}

/** Groups keys by server. Keys whose server is dead are collected in `failed`. */
function group<K extends string | Uint8Array>(
  ctx: Context,
  keys: readonly K[],
  prefix: string | undefined,
): { groups: Group<K>[]; failed: number[]; firstError: unknown } {
  const byPool = new Map<ServerPool, Group<K>>();
  const failed: number[] = [];
  let firstError: unknown;
  const single = ctx.cluster.pools.length === 1 ? ctx.cluster.pools[0] : undefined;
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    const wire = ctx.key(key, prefix);
    let pool: ServerPool;
    if (single) pool = single;
    else {
      try {
        pool = ctx.cluster.poolFor(wire.route);
      } catch (err) {
        failed.push(index);
        firstError ??= err;
        continue;
      }
    }
    let g = byPool.get(pool);
    if (!g) {
      g = { pool, items: [] };
      byPool.set(pool, g);
    }
    g.items.push({ key, wire, index });
  }
  return { groups: [...byPool.values()], failed, firstError };
}

/** getMulti: hits only, keyed by the caller's keys. */
export async function getMulti<T>(
  ctx: Context,
  keys: readonly string[],
  opts: MultiOptions | undefined,
): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  if (keys.length === 0) return out;
  const { groups, failed, firstError } = group(ctx, keys, opts?.keyPrefix);
  // Encode every group first: an invalid key must fail the call before anything is sent.
  const sends = groups.map((g) => prepareGet<T>(ctx, g, out, opts));
  const settled = await Promise.allSettled(sends.map((send) => send()));
  let ok = 0;
  let error: unknown = firstError;
  for (const s of settled) {
    if (s.status === 'rejected') error ??= s.reason;
    else ok++;
  }
  // Partial failures become misses; a total failure is an error, not an empty result.
  if (ok === 0 && (groups.length > 0 || failed.length > 0)) throw error;
  return out;
}

/** Encodes one server's keys (throwing on an invalid key); the returned thunk fetches them into `out`. */
function prepareGet<T>(
  ctx: Context,
  g: Group<string>,
  out: Map<string, T>,
  opts: CommandOptions | undefined,
): () => Promise<unknown> {
  const n = g.items.length;
  if (ctx.meta) {
    const keys: string[] = new Array(n);
    const wires: string[] = new Array(n);
    let base64: boolean[] | undefined;
    for (let i = 0; i < n; i++) {
      const it = g.items[i]!;
      keys[i] = it.key;
      wires[i] = it.wire.wire;
      if (it.wire.base64) {
        base64 ??= new Array(n).fill(false);
        base64[i] = true;
      }
    }
    const base = reserveOpaques(n);
    const lines = encodeMetaGetBatch(wires, GET_MULTI_FLAGS, base, base64);
    const req = new MetaMultiGetRequest<T>([lines], keys, out, ctx.serializer, base);
    return () => ctx.dispatch(g.pool, req, opts);
  }
  const wires = g.items.map((it) => it.wire.wire);
  const lines: string[] = [];
  for (let i = 0; i < wires.length; i += TEXT_KEYS_PER_LINE) {
    lines.push(encodeGet('get', wires.slice(i, i + TEXT_KEYS_PER_LINE)));
  }
  const req = new TextGetRequest<T>('getMulti', lines, wires, ctx.serializer);
  return () =>
    ctx.dispatch(g.pool, req, opts).then((hits) => {
      hits.forEach((hit, i) => {
        if (hit) out.set(g.items[i]!.key, hit.value);
      });
    });
}

/** setMulti: stores every entry; resolves with the keys that were NOT stored. */
export async function setMulti(
  ctx: Context,
  entries: Iterable<readonly [string, unknown]>,
  opts: (MultiOptions & { ttl?: number }) | undefined,
): Promise<string[]> {
  const list = [...entries];
  const exptime = toExptime(opts?.ttl ?? 0);
  const values = list.map(([key, value]) => serializeValue(ctx, value, key));
  return runStatusBatches(
    ctx,
    list.map(([k]) => k),
    opts,
    'setMulti',
    (it, opaque) => {
      const v = values[it.index]!;
      return ctx.meta
        ? encodeMetaSet(it.wire.wire, v.bytes, {
            flags: v.flags,
            ttl: exptime,
            quiet: true,
            opaque,
            base64: it.wire.base64,
          })
        : encodeStore('set', it.wire.wire, v.bytes, v.flags, exptime);
    },
    { STORED: true, NOT_STORED: false },
  );
}

/** deleteMulti: resolves with the keys that were not deleted (missing, or their server failed). */
export function deleteMulti(
  ctx: Context,
  keys: readonly string[],
  opts: MultiOptions | undefined,
): Promise<string[]> {
  return runStatusBatches(
    ctx,
    keys,
    opts,
    'deleteMulti',
    (it, opaque) =>
      ctx.meta
        ? [encodeMetaDelete(it.wire.wire, { quiet: true, opaque, base64: it.wire.base64 })]
        : [encodeDelete(it.wire.wire)],
    { DELETED: true, NOT_FOUND: false },
  );
}

async function runStatusBatches(
  ctx: Context,
  keys: readonly string[],
  opts: MultiOptions | undefined,
  command: string,
  encode: (item: Group<string>['items'][number], opaque: string) => Chunk[],
  textMap: Record<string, boolean>,
): Promise<string[]> {
  if (keys.length === 0) return [];
  const { groups, failed } = group(ctx, keys, opts?.keyPrefix);
  const failedSet = new Set(failed);
  // Encode every group first: an invalid key must fail the call before anything is sent.
  const batches = groups.map((g) => {
    const base = ctx.meta ? reserveOpaques(g.items.length) : 0;
    return { g, base, chunks: g.items.flatMap((it, i) => encode(it, batchOpaque(base, i))) };
  });
  const settled = await Promise.allSettled(
    batches.map(({ g, base, chunks }) => {
      if (ctx.meta)
        return ctx.dispatch(g.pool, new MetaMultiStatusRequest(command, chunks, g.items.length, base), opts);
      const req = new TextStatusRequest<boolean>(command, chunks, g.items.length, textMap);
      return ctx.dispatch(g.pool, req, opts).then((r) => r.flatMap((okay, i) => (okay ? [] : [i])));
    }),
  );
  settled.forEach((s, gi) => {
    const items = groups[gi]!.items;
    if (s.status === 'rejected') for (const it of items) failedSet.add(it.index);
    else for (const i of s.value) failedSet.add(items[i]!.index);
  });
  return [...failedSet].sort((a, b) => a - b).map((i) => keys[i]!);
}
