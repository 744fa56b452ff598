/**
 * Single-key commands that change an item without sending a value: delete,
 * incr/decr (64-bit unsigned, results as `bigint`), touch.
 */
import {
  encodeDelete,
  encodeIncrDecr,
  encodeMetaArithmetic,
  encodeMetaDelete,
  encodeMetaGet,
  encodeTouch,
  MemkitError,
  toExptime,
} from '@memkit/protocol';
import type { Context } from '../context';
import type { CommandOptions } from '../options';
import { MetaArithmeticRequest, MetaStatusRequest, nextOpaque } from '../requests/meta';
import { TextArithmeticRequest, TextStatusRequest } from '../requests/text';

const MAX_U64 = (1n << 64n) - 1n;

/** `delete`: true when an item was deleted, false when there was none. */
export function del(
  ctx: Context,
  key: string | Uint8Array,
  opts: CommandOptions | undefined,
): Promise<boolean> {
  const k = ctx.key(key);
  const pool = ctx.cluster.poolFor(k.route);
  if (ctx.meta) {
    const opaque = nextOpaque();
    const line = encodeMetaDelete(k.wire, { opaque, base64: k.base64 });
    return ctx.dispatch(pool, new MetaStatusRequest('delete', opaque, [line]), opts);
  }
  const req = new TextStatusRequest('delete', [encodeDelete(k.wire)], 1, { DELETED: true, NOT_FOUND: false });
  return ctx.dispatch(pool, req, opts).then((r) => r[0] === true);
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
  if (d < 0n || d > MAX_U64) {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `${kind}: delta must be an integer in 0..2^64-1, got ${String(delta)}`,
    );
  }
  const k = ctx.key(key);
  const pool = ctx.cluster.poolFor(k.route);
  if (ctx.meta) {
    const opaque = nextOpaque();
    const line = encodeMetaArithmetic(k.wire, {
      mode: kind === 'incr' ? 'I' : 'D',
      delta: d,
      value: true,
      opaque,
      base64: k.base64,
    });
    return ctx.dispatch(pool, new MetaArithmeticRequest(kind, opaque, [line]), opts);
  }
  return ctx.dispatch(pool, new TextArithmeticRequest(kind, encodeIncrDecr(kind, k.wire, d)), opts);
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
  if (ctx.meta) {
    const opaque = nextOpaque();
    const line = encodeMetaGet(k.wire, { touch: exptime, opaque, base64: k.base64 });
    return ctx.dispatch(pool, new MetaStatusRequest('touch', opaque, [line]), opts);
  }
  const req = new TextStatusRequest('touch', [encodeTouch(k.wire, exptime)], 1, {
    TOUCHED: true,
    NOT_FOUND: false,
  });
  return ctx.dispatch(pool, req, opts).then((r) => r[0] === true);
}
