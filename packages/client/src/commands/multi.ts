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
  encodeMetaSet,
  encodeStore,
  KeyError,
  toExptime,
} from '@memkit/protocol';
import type { ServerPool } from '../connection/pool';
import type { Context } from '../context';
import type { WireKey } from '../keys';
import type { CommandOptions } from '../options';
import { batchOpaque, MetaMultiStatusRequest, reserveOpaques } from '../requests/meta';
import { metaMultiGet } from '../requests/meta-multi-get';
import { TextMultiGetRequest, TextStatusRequest } from '../requests/text';
import { serializeValue } from './storage';

/** Options of multi-key commands. */
export interface MultiOptions extends CommandOptions {
  /** Prefix for this call instead of the client's `keyPrefix` (python-memcached's `key_prefix` argument). */
  keyPrefix?: string;
}

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

/** One server's share of a getMulti: the caller's keys and their wire form, in the same order. */
export interface GetGroup {
  pool: ServerPool;
  keys: string[];
  wires: string[];
  /** Set when some wire keys are base64 (mapped binary keys): `wires[i]` is base64 where `base64[i]`. */
  base64?: boolean[];
}

/**
 * Groups getMulti keys by server without a per-key object: the common
 * single-server case reuses the caller's array. Keys whose server is dead
 * only count in `failed`.
 */
function groupGetKeys(
  ctx: Context,
  keys: readonly string[],
  prefix: string,
): { groups: GetGroup[]; failed: number; firstError: unknown } {
  if (ctx.mapKeys) {
    // keyMapping 'auto': a server's share holding a binary key cannot go as a text `get` line
    // and is sent as quiet `mg` commands instead (requests/meta-multi-get.ts).
    const { groups, failed, firstError } = group(ctx, keys, prefix);
    const shares = groups.map(({ pool, items }) => ({
      pool,
      keys: items.map((it) => it.key),
      wires: items.map((it) => it.wire.wire),
      ...(items.some((it) => it.wire.base64) ? { base64: items.map((it) => it.wire.base64) } : {}),
    }));
    return { groups: shares, failed: failed.length, firstError };
  }
  const pools = ctx.cluster.pools;
  if (pools.length === 1) {
    // Unprefixed keys go out as given: the encoder's validateKey rejects non-strings.
    const wires = prefix === '' ? (keys as string[]) : keys.map((k) => prefixed(prefix, k));
    return { groups: [{ pool: pools[0]!, keys: keys as string[], wires }], failed: 0, firstError: undefined };
  }
  const byPool = new Map<ServerPool, GetGroup>();
  let failed = 0;
  let firstError: unknown;
  for (const key of keys) {
    const wire = prefixed(prefix, key);
    let pool: ServerPool;
    try {
      pool = ctx.cluster.poolFor(wire);
    } catch (err) {
      failed++;
      firstError ??= err;
      continue;
    }
    let g = byPool.get(pool);
    if (!g) {
      g = { pool, keys: [], wires: [] };
      byPool.set(pool, g);
    }
    g.keys.push(key);
    g.wires.push(wire);
  }
  return { groups: [...byPool.values()], failed, firstError };
}

/** `prefix + key`, refusing a key that is not a string (JS callers) instead of coercing it. */
function prefixed(prefix: string, key: string): string {
  if (typeof key !== 'string') throw new KeyError(`getMulti keys must be strings, got ${typeof key}`);
  return prefix + key;
}

/**
 * getMulti: hits only, keyed by the caller's keys. Sent as text `get k1 k2 …`
 * lines in both protocols: memcached serves a multi-key `get` for about two
 * thirds of the CPU of the same keys as quiet `mg` commands (measured in
 * bench/RESULTS.md), and VALUE replies name their key, checked in order.
 */
export async function getMulti<T>(
  ctx: Context,
  keys: readonly string[],
  opts: MultiOptions | undefined,
): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  if (keys.length === 0) return out;
  const { groups, failed, firstError } = groupGetKeys(ctx, keys, opts?.keyPrefix ?? ctx.options.keyPrefix);
  // Encode every group first: an invalid key must fail the call before anything is sent.
  const requests = groups.map((g) =>
    g.base64
      ? metaMultiGet<T>(g, out, ctx.serializer)
      : new TextMultiGetRequest<T>(getLines(g.wires), g.wires, g.keys, out, ctx.serializer),
  );
  if (requests.length === 1 && failed === 0) return ctx.dispatch(groups[0]!.pool, requests[0]!, opts);
  const settled = await Promise.allSettled(
    requests.map((req, i) => ctx.dispatch(groups[i]!.pool, req, opts)),
  );
  let ok = 0;
  let error: unknown = firstError;
  for (const s of settled) {
    if (s.status === 'rejected') error ??= s.reason;
    else ok++;
  }
  // Partial failures become misses; a total failure is an error, not an empty result.
  if (ok === 0) throw error;
  return out;
}

/** `get` lines of at most TEXT_KEYS_PER_LINE keys each (validating every key). */
function getLines(wires: readonly string[]): string[] {
  if (wires.length <= TEXT_KEYS_PER_LINE) return [encodeGet('get', wires)];
  const lines: string[] = [];
  for (let i = 0; i < wires.length; i += TEXT_KEYS_PER_LINE) {
    lines.push(encodeGet('get', wires.slice(i, i + TEXT_KEYS_PER_LINE)));
  }
  return lines;
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
