/**
 * Single-key commands that change an item without sending a value: delete,
 * incr/decr (64-bit unsigned, results as `bigint`), touch.
 */
import { MemkitError, toExptime, U64_MAX } from '@memkit/protocol';
import { capExptime } from '../cluster/ttl-cap';
import type { ServerPool } from '../connection/pool';
import type { Context } from '../context';
import type { WireKey } from '../keys';
import { writing } from '../near-cache/near-read';
import type { CommandOptions } from '../options';
import { replicatedArithmetic, replicatedDelete, replicatedTouch } from './replicated';

/** `delete`: true when an item was deleted, false when there was none. */
export function del(
  ctx: Context,
  key: string | Uint8Array,
  opts: CommandOptions | undefined,
): Promise<boolean> {
  const k = ctx.key(key);
  if (ctx.replicated) return replicatedDelete(ctx, key, k, opts);
  const pool = ctx.cluster.writePoolFor(k);
  return writing(ctx, k, ctx.dispatchWrite(pool, pool.dialect.delete(k), opts, k));
}

/** Options of `incr`/`decr`. */
export interface ArithmeticOptions extends CommandOptions {
  /**
   * Create a missing counter holding `initial` (an unsigned 64-bit integer)
   * instead of resolving `undefined`; the call then resolves `initial` (the
   * delta is not applied to a new counter, as in memcached's meta `ma` and
   * the binary protocol). Created counters are stored as their decimal
   * digits with flags 0.
   */
  initial?: number | bigint;
  /**
   * TTL in seconds of a counter created from `initial` (0 or absent: no
   * expiry); an existing counter keeps its own. Only with `initial`.
   */
  ttl?: number;
}

/** How many times the text fallback tries incr/add before giving up on a key that keeps vanishing. */
const CREATE_ATTEMPTS = 3;

/**
 * `incr`/`decr`: the new value, or undefined when the key does not exist
 * (and `initial` was not given).
 *
 * With `initial`, the meta dialect creates the counter in the same round
 * trip (`ma` with `N<ttl>` and `J<initial>`). A dialect that cannot
 * (text) falls back to `incr`, then on NOT_FOUND `add <initial>`, then on
 * NOT_STORED `incr` again: up to three round trips, and not atomic. When
 * clients race to create the counter, one `add` wins and the others
 * increment the winner's value, so no increment is lost; but a counter
 * deleted or expiring between those steps is looked for again, and after
 * three rounds the call resolves `undefined`.
 */
export function arithmetic(
  ctx: Context,
  kind: 'incr' | 'decr',
  key: string | Uint8Array,
  delta: number | bigint,
  opts: ArithmeticOptions | undefined,
): Promise<bigint | undefined> {
  const d = u64(kind, 'delta', delta);
  const create = creation(kind, opts);
  const k = ctx.key(key);
  if (ctx.replicated) return replicatedArithmetic(ctx, kind, key, k, d, create, opts);
  const pool = ctx.cluster.writePoolFor(k);
  if (create && pool.ttlCap !== undefined) create.exptime = capExptime(create.exptime, pool.ttlCap);
  const once = pool.dialect.arithmetic(kind, k, create ? { delta: d, create } : { delta: d });
  if (once) return writing(ctx, k, ctx.dispatchWrite(pool, once, opts, k));
  return writing(ctx, k, createStepByStep(ctx, pool, kind, k, d, create!, opts));
}

/** The fallback of dialects that cannot create a counter in one round trip: incr, add, incr. */
export async function createStepByStep(
  ctx: Context,
  pool: ServerPool,
  kind: 'incr' | 'decr',
  k: WireKey,
  delta: bigint,
  create: { initial: bigint; exptime: number },
  opts: CommandOptions | undefined,
): Promise<bigint | undefined> {
  const digits = { bytes: Buffer.from(String(create.initial), 'latin1'), flags: 0 };
  for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
    const value = await ctx.dispatchWrite(pool, pool.dialect.arithmetic(kind, k, { delta })!, opts, k);
    if (value !== undefined) return value;
    const add = pool.dialect.store('add', k, digits, create.exptime, undefined, false);
    if (await ctx.dispatchWrite(pool, add, opts, k)) return create.initial;
  }
  return undefined;
}

/** `value` as an unsigned 64-bit bigint, or ERR_INVALID_ARGUMENT naming it. */
function u64(kind: string, what: string, value: number | bigint): bigint {
  const v = typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value) : -1n;
  if (v < 0n || v > U64_MAX) {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `${kind}: ${what} must be an integer in 0..2^64-1, got ${String(value)}`,
    );
  }
  return v;
}

/** What to create on a miss, from `initial`/`ttl`; undefined when nothing is. */
function creation(
  kind: string,
  opts: ArithmeticOptions | undefined,
): { initial: bigint; exptime: number } | undefined {
  if (opts?.initial === undefined) {
    if (opts?.ttl !== undefined) {
      throw new MemkitError(
        'ERR_INVALID_ARGUMENT',
        `${kind}: ttl applies to a counter created from initial; pass initial too (or use touch)`,
      );
    }
    return undefined;
  }
  return { initial: u64(kind, 'initial', opts.initial), exptime: toExptime(opts.ttl ?? 0) };
}

/** `touch`: sets a new TTL; true when the item exists. */
export function touch(
  ctx: Context,
  key: string | Uint8Array,
  ttlSeconds: number,
  opts: CommandOptions | undefined,
): Promise<boolean> {
  const k = ctx.key(key);
  let exptime = toExptime(ttlSeconds);
  if (ctx.replicated) return replicatedTouch(ctx, key, k, exptime, opts);
  const pool = ctx.cluster.writePoolFor(k);
  if (pool.ttlCap !== undefined) exptime = capExptime(exptime, pool.ttlCap);
  return writing(ctx, k, ctx.dispatchWrite(pool, pool.dialect.touch(k, exptime), opts, k));
}
