/**
 * Multi-key commands across the cluster: keys are grouped by server
 * (`groupKeys`), each group goes out as one exchange of that server's
 * dialect (meta: quiet commands + `mn`; text: multi-key `get` lines /
 * consecutive storage commands), groups run in parallel, and results are
 * merged. A failing server costs only its own keys, reported as failures,
 * never as misses or "not stored" (see partial.ts).
 */
import { toExptime } from '@memkit/protocol';
import { capExptime } from '../cluster/ttl-cap';
import type { Context } from '../context';
import type { Exchange } from '../exchanges/exchange';
import type { CasResult } from '../exchanges/text';
import { slotOf } from '../near-cache/near-cache';
import { fetchGroups, invalidating, serveMany, slotOfKey } from '../near-cache/near-read';
import type { CommandOptions } from '../options';
import { asServerError, type KeyFailure, settleMulti } from '../partial';
import { groupKeys, type KeyGroup, type UnroutedKeys } from './group-keys';
import { replicatedRetrieveMany, replicatedWriteMany } from './replicated-multi';
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
  if (ctx.replicated) return replicatedRetrieveMany<T>(ctx, command, keys, opts, withCas);
  const out = new Map<string, T>();
  if (keys.length === 0) return out;
  const prefix = opts?.keyPrefix ?? ctx.options.keyPrefix;
  const near = ctx.near;
  // With a near cache, its fresh entries answer first; the rest is fetched (and offered to it).
  const wanted = near === undefined ? keys : serveMany(ctx, near, keys, prefix, out, withCas);
  if (wanted.length === 0) return out;
  // The near cache's hits are an answer of their own: with them, servers that all fail make a partial failure.
  const local = out.size > 0 ? 1 : 0;
  const { groups, unrouted, stale } = groupKeys(ctx, wanted, prefix);
  // Encode every group first: an invalid key must fail the call before anything is sent.
  const exchanges =
    near === undefined
      ? groups.map((g) =>
          g.pool.dialect.getMulti<T>(command, g.wires, g.keys, out, ctx.serializer, withCas, g.base64),
        )
      : fetchGroups(ctx, near, command, groups, out, withCas);
  if (exchanges.length === 1 && unrouted.length === 0 && local === 0 && stale === undefined)
    return ctx.dispatch(groups[0]!.pool, exchanges[0]!, opts);
  const settled = await dispatchAll(ctx, groups, exchanges, opts);
  const failures = failuresOf(command, groups, settled, unrouted);
  // A failed server's batch may have delivered some hits before it failed: only answered servers count.
  if (failures.length > 0) for (const f of failures) for (const k of f.keys) out.delete(k);
  // Hits that an invalidation still due on their server may have made stale are misses, and
  // the near cache must not keep them either.
  if (stale !== undefined) {
    for (const k of stale) {
      out.delete(k);
      near?.invalidate(slotOfKey(ctx, k, prefix));
    }
  }
  return settleMulti(command, out, failures, groups.length + unrouted.length + local);
}

/** setMulti: stores every entry; resolves with the keys that were NOT stored (see `settleMulti` on failures). */
export function setMulti(
  ctx: Context,
  entries: Iterable<readonly [string, unknown]>,
  opts: (MultiOptions & { ttl?: number }) | undefined,
): Promise<string[]> {
  const list = [...entries];
  const keys = list.map(([k]) => k);
  const exptime = toExptime(opts?.ttl ?? 0);
  const values = list.map(([key, value]) => serializeValue(ctx, value, key));
  return writeMany(ctx, 'setMulti', keys, opts, (g) =>
    g.pool.dialect.setMulti(
      g.wires,
      g.positions ? g.positions.map((p) => values[p]!) : values,
      g.pool.ttlCap === undefined ? exptime : capExptime(exptime, g.pool.ttlCap),
      g.base64,
    ),
  );
}

/** deleteMulti: resolves with the keys that were not found (see `settleMulti` on failures). */
export function deleteMulti(
  ctx: Context,
  keys: readonly string[],
  opts: MultiOptions | undefined,
): Promise<string[]> {
  return writeMany(ctx, 'deleteMulti', keys, opts, (g) => g.pool.dialect.deleteMulti(g.wires, g.base64));
}

/**
 * Runs one write exchange per server; resolves with the keys the answering
 * servers did not store / find, in call order. Failed servers' keys are never
 * in that list: they are the failures (`settleMulti`).
 */
async function writeMany(
  ctx: Context,
  command: string,
  keys: readonly string[],
  opts: MultiOptions | undefined,
  make: (g: KeyGroup) => Exchange<number[]>,
): Promise<string[]> {
  if (ctx.replicated) return replicatedWriteMany(ctx, command, keys, opts, make);
  if (keys.length === 0) return [];
  const { groups, unrouted } = groupKeys(ctx, keys, opts?.keyPrefix ?? ctx.options.keyPrefix, true);
  // Encode every group first: an invalid key must fail the call before anything is sent.
  const exchanges = groups.map(make);
  const dispatched = dispatchAll(ctx, groups, exchanges, opts);
  if (ctx.near !== undefined) {
    // Dropped now and again when each write settles, whatever its outcome (a failed write may have landed).
    const slots = groups.flatMap((g) => g.wires.map((w, i) => slotOf(w, g.base64?.[i] === true)));
    invalidating(ctx.near, slots, dispatched);
  }
  const settled = await dispatched;
  settled.forEach((s, gi) => {
    if (s.status === 'rejected') noteFailedGroup(groups[gi]!, s.reason);
  });
  const notDone: number[] = [];
  settled.forEach((s, gi) => {
    if (s.status === 'rejected') return;
    const positions = groups[gi]!.positions;
    for (const i of s.value) notDone.push(positions ? positions[i]! : i);
  });
  const result = notDone.sort((a, b) => a - b).map((i) => keys[i]!);
  return settleMulti(
    command,
    result,
    failuresOf(command, groups, settled, unrouted),
    groups.length + unrouted.length,
  );
}

/** The failed server batches and unroutable keys of a multi-key call, in the order of their first key. */
function failuresOf(
  command: string,
  groups: readonly KeyGroup[],
  settled: readonly PromiseSettledResult<unknown>[],
  unrouted: readonly UnroutedKeys[],
): KeyFailure[] {
  const found: Array<{ first: number; failure: KeyFailure }> = [];
  settled.forEach((s, gi) => {
    if (s.status !== 'rejected') return;
    const g = groups[gi]!;
    const server = g.pool.node.address;
    found.push({
      first: g.positions ? g.positions[0]! : 0,
      failure: { server, keys: [...g.keys], error: asServerError(s.reason, server, command) },
    });
  });
  for (const u of unrouted) {
    found.push({ first: u.positions[0]!, failure: { server: u.server ?? '', keys: u.keys, error: u.error } });
  }
  return found.sort((a, b) => a.first - b.first).map((f) => f.failure);
}

/** A server's share of a multi-key write failed: its keys are invalidated there once it is reachable. */
function noteFailedGroup(g: KeyGroup, reason: unknown): void {
  const err = reason instanceof Error ? reason : new Error(String(reason));
  g.wires.forEach((wire, i) => {
    g.pool.writeFailed({ wire, base64: g.base64?.[i] === true, route: wire }, err);
  });
}

function dispatchAll<T>(
  ctx: Context,
  groups: readonly KeyGroup[],
  exchanges: readonly Exchange<T>[],
  opts: MultiOptions | undefined,
): Promise<PromiseSettledResult<T>[]> {
  return Promise.allSettled(exchanges.map((ex, i) => ctx.dispatch(groups[i]!.pool, ex, opts)));
}
