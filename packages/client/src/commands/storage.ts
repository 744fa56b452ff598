/**
 * Storage commands: set, add, replace, append, prepend, cas, as the server's
 * dialect writes them. Values go through the serializer and are
 * size-checked before sending, because memcached deletes the existing item
 * when a too-large set arrives.
 */
import { MemkitError, toExptime } from '@memkit/protocol';
import { capExptime } from '../cluster/ttl-cap';
import type { Context } from '../context';
import type { StoreKind } from '../dialect/index';
import { writing } from '../near-cache/near-read';
import type { CommandOptions } from '../options';
import { byteLengthOf, longerThan, serializeForWrite, type WriteValue } from '../serialization/write';
import { replicatedStore } from './replicated';

export type { StoreKind } from '../dialect/index';

/**
 * Options of writes that keep the item's TTL and flags (`append`,
 * `prepend`: memcached ignores both there), and the base of `SetOptions`.
 */
export interface WriteOptions extends CommandOptions {
  /**
   * Fire-and-forget (meta protocol): sent with the quiet flag, so memcached
   * only answers failures. Past argument checks (key, size) the promise never
   * rejects: it resolves `false` when
   * the item was not stored or the command failed (the error goes to the
   * `memkit:command:error` diagnostics channel), so it is safe not to await it.
   * With `protocol: 'text'` the command is sent normally (text `noreply`
   * would desync the stream on errors) but still never rejects.
   */
  noreply?: boolean;
}

/** Options of storage commands that set the item (`set`, `add`, `replace`, `cas`). */
export interface SetOptions extends WriteOptions {
  /** Time to live in seconds; 0 or absent = no expiry; > 30 days is sent as an absolute time. */
  ttl?: number;
}

/** Serializes and checks the size limit. */
export function serializeValue(ctx: Context, value: unknown, key: string | Uint8Array): WriteValue {
  const s = serializeForWrite(ctx.serializer, value);
  if (longerThan(s, ctx.options.maxValueSize)) {
    throw new MemkitError(
      'ERR_VALUE_TOO_LARGE',
      `value for key ${describeKey(key)} is ${byteLengthOf(s)} bytes, over maxValueSize ${ctx.options.maxValueSize}`,
      { command: 'set' },
    );
  }
  return s;
}

/** Shared path of every single-key storage command. Resolves true when stored. */
export function store(
  ctx: Context,
  kind: StoreKind,
  key: string | Uint8Array,
  value: unknown,
  cas: bigint | undefined,
  opts: SetOptions | undefined,
): Promise<boolean> {
  if (ctx.replicated) return replicatedStore(ctx, kind, key, value, cas, opts);
  const k = ctx.key(key);
  const serialized = serializeValue(ctx, value, key);
  let exptime = toExptime(opts?.ttl ?? 0);
  const pool = ctx.cluster.writePoolFor(k);
  if (pool.ttlCap !== undefined) exptime = capExptime(exptime, pool.ttlCap);
  const quiet = opts?.noreply === true;
  const done = writing(
    ctx,
    k,
    ctx.dispatchWrite(pool, pool.dialect.store(kind, k, serialized, exptime, cas, quiet), opts, k),
  );
  return quiet ? quietly(done) : done;
}

/** noreply: failures resolve `false` (they are already published on the diagnostics channel). */
function quietly(p: Promise<boolean>): Promise<boolean> {
  return p.catch(() => false);
}

/** A key for messages: escaped and truncated, never raw control bytes. */
export function describeKey(key: string | Uint8Array): string {
  const s = typeof key === 'string' ? key : `<${key.length} bytes>`;
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}
