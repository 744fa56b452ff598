/**
 * Multi-key commands across the cluster: keys are grouped by server
 * (`groupKeys`), each group goes out as one exchange of that server's
 * dialect (meta: quiet commands + `mn`; text: multi-key `get` lines /
 * consecutive storage commands), groups run in parallel, and results are
 * merged. A failing server costs only its own keys: misses for
 * getMulti/getsMulti, failed keys for setMulti/deleteMulti.
 */
import { toExptime } from '@memkit/protocol';
import type { Context } from '../context';
import type { Exchange } from '../exchanges/exchange';
import type { CasResult } from '../exchanges/text';
import type { CommandOptions } from '../options';
import { groupKeys, type KeyGroup } from './group-keys';
import { serializeValue } from './storage';

/** Options of multi-key commands. */
export interface MultiOptions extends CommandOptions {
  /** Prefix for this call instead of the client's `keyPrefix` (python-memcached's `key_prefix` argument). */
  keyPrefix?: string;
}

/**
 * getMulti: hits only, keyed by the caller's keys. Written as text
 * `get k1 k2 …` lines by both dialects: memcached serves a multi-key `get`
 * for about two thirds of the CPU of the same keys as quiet `mg` commands
 * (measured in bench/RESULTS.md), and VALUE replies name their key, checked
 * in order.
 */
export function getMulti<T>(
  ctx: Context,
  keys: readonly string[],
  opts: MultiOptions | undefined,
): Promise<Map<string, T>> {
  return retrieveMany<T>(ctx, 'getMulti', keys, opts, false);
}

/** getsMulti: like getMulti, each hit with its CAS unique (for `cas()`). */
export function getsMulti<T>(
  ctx: Context,
  keys: readonly string[],
  opts: MultiOptions | undefined,
): Promise<Map<string, CasResult<T>>> {
  return retrieveMany<CasResult<T>>(ctx, 'getsMulti', keys, opts, true);
}

async function retrieveMany<T>(
  ctx: Context,
  command: string,
  keys: readonly string[],
  opts: MultiOptions | undefined,
  withCas: boolean,
): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  if (keys.length === 0) return out;
  const { groups, unrouted } = groupKeys(ctx, keys, opts?.keyPrefix ?? ctx.options.keyPrefix);
  // Encode every group first: an invalid key must fail the call before anything is sent.
  const exchanges = groups.map((g) =>
    g.pool.dialect.getMulti<T>(command, g.wires, g.keys, out, ctx.serializer, withCas, g.base64),
  );
  if (exchanges.length === 1 && unrouted.length === 0)
    return ctx.dispatch(groups[0]!.pool, exchanges[0]!, opts);
  const settled = await dispatchAll(ctx, groups, exchanges, opts);
  let ok = 0;
  let error: unknown = unrouted[0]?.error;
  for (const s of settled) {
    if (s.status === 'rejected') error ??= s.reason;
    else ok++;
  }
  // Partial failures become misses; a total failure is an error, not an empty result.
  if (ok === 0) throw error;
  return out;
}

/** setMulti: stores every entry; resolves with the keys that were NOT stored (or whose server failed). */
export function setMulti(
  ctx: Context,
  entries: Iterable<readonly [string, unknown]>,
  opts: (MultiOptions & { ttl?: number }) | undefined,
): Promise<string[]> {
  const list = [...entries];
  const keys = list.map(([k]) => k);
  const exptime = toExptime(opts?.ttl ?? 0);
  const values = list.map(([key, value]) => serializeValue(ctx, value, key));
  return writeMany(ctx, keys, opts, (g) =>
    g.pool.dialect.setMulti(
      g.wires,
      g.positions ? g.positions.map((p) => values[p]!) : values,
      exptime,
      g.base64,
    ),
  );
}

/** deleteMulti: resolves with the keys that were not deleted (missing, or their server failed). */
export function deleteMulti(
  ctx: Context,
  keys: readonly string[],
  opts: MultiOptions | undefined,
): Promise<string[]> {
  return writeMany(ctx, keys, opts, (g) => g.pool.dialect.deleteMulti(g.wires, g.base64));
}

/** Runs one write exchange per server; the keys not done (per the exchange) or failed, in call order. */
async function writeMany(
  ctx: Context,
  keys: readonly string[],
  opts: MultiOptions | undefined,
  make: (g: KeyGroup) => Exchange<number[]>,
): Promise<string[]> {
  if (keys.length === 0) return [];
  const { groups, unrouted } = groupKeys(ctx, keys, opts?.keyPrefix ?? ctx.options.keyPrefix);
  // Encode every group first: an invalid key must fail the call before anything is sent.
  const exchanges = groups.map(make);
  const settled = await dispatchAll(ctx, groups, exchanges, opts);
  const notDone = new Set<number>();
  settled.forEach((s, gi) => {
    const g = groups[gi]!;
    const at = (i: number) => (g.positions ? g.positions[i]! : i);
    if (s.status === 'rejected') for (let i = 0; i < g.keys.length; i++) notDone.add(at(i));
    else for (const i of s.value) notDone.add(at(i));
  });
  if (unrouted.length > 0) {
    const skipped = new Set(unrouted.flatMap((u) => u.keys));
    keys.forEach((k, i) => {
      if (skipped.has(k)) notDone.add(i);
    });
  }
  return [...notDone].sort((a, b) => a - b).map((i) => keys[i]!);
}

function dispatchAll<T>(
  ctx: Context,
  groups: readonly KeyGroup[],
  exchanges: readonly Exchange<T>[],
  opts: MultiOptions | undefined,
): Promise<PromiseSettledResult<T>[]> {
  return Promise.allSettled(exchanges.map((ex, i) => ctx.dispatch(groups[i]!.pool, ex, opts)));
}
