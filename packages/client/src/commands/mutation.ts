/**
 * Single-key commands that change an item without sending a value: delete,
 * incr/decr (64-bit unsigned, results as `bigint`), touch.
 */
import { MemkitError, toExptime, U64_MAX } from '@memkit/protocol';
import type { Context } from '../context';
import type { CommandOptions } from '../options';

/** `delete`: true when an item was deleted, false when there was none. */
export function del(
  ctx: Context,
  key: string | Uint8Array,
  opts: CommandOptions | undefined,
): Promise<boolean> {
  const k = ctx.key(key);
  const pool = ctx.cluster.poolFor(k.route);
  return ctx.dispatch(pool, pool.dialect.delete(k), opts);
}

/** `incr`/`decr`: the new value, or undefined when the key does not exist. */
export function arithmetic(
  ctx: Context,
  kind: 'incr' | 'decr',
  key: string | Uint8Array,
  delta: number | bigint,
  opts: CommandOptions | undefined,
): Promise<bigint | undefined> {
  const d = typeof delta === 'bigint' ? delta : Number.isSafeInteger(delta) ? BigInt(delta) : -1n;
  if (d < 0n || d > U64_MAX) {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `${kind}: delta must be an integer in 0..2^64-1, got ${String(delta)}`,
    );
  }
  const k = ctx.key(key);
  const pool = ctx.cluster.poolFor(k.route);
  return ctx.dispatch(pool, pool.dialect.arithmetic(kind, k, { delta: d })!, opts);
}

/** `touch`: sets a new TTL; true when the item exists. */
export function touch(
  ctx: Context,
  key: string | Uint8Array,
  ttlSeconds: number,
  opts: CommandOptions | undefined,
): Promise<boolean> {
  const k = ctx.key(key);
  const exptime = toExptime(ttlSeconds);
  const pool = ctx.cluster.poolFor(k.route);
  return ctx.dispatch(pool, pool.dialect.touch(k, exptime), opts);
}
