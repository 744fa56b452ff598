/**
 * Single-key commands with `replicas` above 1 (placement and read order:
 * cluster/replicas.ts).
 *
 * - get/gets: the first healthy replica; on an outage the next, within the
 *   call's deadline. A miss is a miss. No read repair: a replica that missed
 *   writes had the key invalidated on it instead, so it answers a miss (never
 *   an old value) until the key is written again.
 * - gat/gats: read as get, and the TTL is also set on the other live
 *   replicas (touch, fire-and-forget), so copies expire together.
 * - set/add/replace/append/prepend, delete, touch, incr/decr: sent to every
 *   live replica at once; the call settles when all answered and resolves
 *   with the answer of the first replica (in replica order) that answered,
 *   when at least `replicaWrites` of the copies answered; otherwise
 *   ERR_PARTIAL_FAILURE (`.partial` that answer, `.failures` per server), or
 *   the error itself when no copy answered. incr/decr run on every copy, and
 *   a copy that missed increments (it was down) is invalidated, so it counts
 *   again from a miss (or `initial`): counters are exact only on the first
 *   replica, which is the one reads use.
 * - cas: CAS uniques differ per server, so the compare-and-swap runs on the
 *   replica reads go to (the one `gets` read the token from); when it stores,
 *   the value is `set` on the other replicas, counted as above.
 *
 * Concurrent writers of one key may leave its replicas holding different
 * writers' values (each copy is written independently); replicas give
 * availability, not linearizability.
 */
import { toExptime } from '@memkit/protocol';
import {
  canFailOver,
  deadReplica,
  noReplica,
  noteDown,
  readOrder,
  remaining,
  reportTolerated,
  requiredCopies,
} from '../cluster/replicas';
import type { ServerPool } from '../connection/pool';
import type { Context } from '../context';
import type { RetrievalKind, StoreKind } from '../dialect/index';
import type { Exchange } from '../exchanges/exchange';
import type { WireKey } from '../keys';
import type { CommandOptions } from '../options';
import { asServerError, callError, type KeyFailure, PartialFailureError } from '../partial';
import { createStepByStep } from './mutation';
import { serializeValue } from './storage';

/**
 * The replica a read of `k` goes to now: the first healthy one (see
 * `readOrder`); ERR_SERVER_DEAD when every replica is dead.
 */
export function readPool(ctx: Context, k: WireKey): ServerPool {
  const { live, down } = ctx.cluster.replicasFor(k.route);
  if (live.length === 0) throw noReplica(down);
  return readOrder(ctx, live, k).order[0]!;
}

/** get/gets/gat/gats from the first healthy replica, failing over to the next on an outage. */
export function replicatedRetrieve(
  ctx: Context,
  kind: RetrievalKind,
  key: string | Uint8Array,
  ttlSeconds: number | undefined,
  opts: CommandOptions | undefined,
): Promise<unknown> {
  const k = ctx.key(key);
  const { live, down } = ctx.cluster.replicasFor(k.route);
  if (live.length === 0) return Promise.reject(noReplica(down));
  const { order, stale } = readOrder(ctx, live, k);
  const exptime = ttlSeconds === undefined ? undefined : toExptime(ttlSeconds);
  const first = order[0]!;
  const req = first.dialect.retrieve(kind, k, exptime, ctx.serializer);
  const deadline = performance.now() + (opts?.timeout ?? ctx.options.timeout);
  if (exptime !== undefined) touchOthers(ctx, live, first, k, exptime, opts);
  let p = ctx.dispatch(first, req, opts);
  if (order.length > 1)
    p = p.catch((err: unknown) => failOver(ctx, kind, k, exptime, order, 1, deadline, opts, err, stale));
  // Every live copy has an invalidation of this key pending: what they hold may be stale.
  return stale ? p.then(() => undefined) : p;
}

async function failOver(
  ctx: Context,
  kind: RetrievalKind,
  k: WireKey,
  exptime: number | undefined,
  order: readonly ServerPool[],
  next: number,
  deadline: number,
  opts: CommandOptions | undefined,
  err: unknown,
  stale: boolean,
): Promise<unknown> {
  let last = err;
  for (let i = next; i < order.length; i++) {
    const left = remaining(deadline);
    if (!canFailOver(last) || left === 0) break;
    const pool = order[i]!;
    // Skip a replica marked dead (or newly stale) since the call began.
    if (ctx.cluster.isDead(pool.node.address) || (!stale && ctx.cluster.stale(pool, k))) continue;
    try {
      return await ctx.dispatch(pool, pool.dialect.retrieve(kind, k, exptime, ctx.serializer), {
        ...opts,
        timeout: left,
      });
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

/** gat/gats: the other live replicas get the new TTL too; their failures change nothing for the caller. */
function touchOthers(
  ctx: Context,
  live: readonly ServerPool[],
  read: ServerPool,
  k: WireKey,
  exptime: number,
  opts: CommandOptions | undefined,
): void {
  for (const pool of live) {
    if (pool === read) continue;
    ctx.dispatch(pool, pool.dialect.touch(k, exptime), opts).catch(() => {});
  }
}

/** Storage commands on every replica (cas: see `replicatedCas`). */
export function replicatedStore(
  ctx: Context,
  kind: StoreKind,
  key: string | Uint8Array,
  value: unknown,
  cas: bigint | undefined,
  opts: (CommandOptions & { ttl?: number; noreply?: boolean }) | undefined,
): Promise<boolean> {
  const k = ctx.key(key);
  const serialized = serializeValue(ctx, value, key);
  const exptime = toExptime(opts?.ttl ?? 0);
  const quiet = opts?.noreply === true;
  const done =
    kind === 'cas'
      ? replicatedCas(
          ctx,
          key,
          k,
          (pool, kind2) =>
            pool.dialect.store(kind2, k, serialized, exptime, kind2 === 'cas' ? cas : undefined, false),
          opts,
        )
      : onEveryReplica(ctx, kind, key, k, opts, (pool) =>
          pool.dialect.store(kind, k, serialized, exptime, undefined, quiet),
        );
  // noreply: never rejects; a write that did not reach enough copies is `false`.
  return quiet ? done.catch(() => false) : done;
}

/** delete on every replica. */
export function replicatedDelete(
  ctx: Context,
  key: string | Uint8Array,
  k: WireKey,
  opts: CommandOptions | undefined,
): Promise<boolean> {
  return onEveryReplica(ctx, 'delete', key, k, opts, (pool) => pool.dialect.delete(k));
}

/** touch on every replica. */
export function replicatedTouch(
  ctx: Context,
  key: string | Uint8Array,
  k: WireKey,
  exptime: number,
  opts: CommandOptions | undefined,
): Promise<boolean> {
  return onEveryReplica(ctx, 'touch', key, k, opts, (pool) => pool.dialect.touch(k, exptime));
}

/** incr/decr on every replica; the value is the first answering replica's. */
export function replicatedArithmetic(
  ctx: Context,
  kind: 'incr' | 'decr',
  key: string | Uint8Array,
  k: WireKey,
  delta: bigint,
  create: { initial: bigint; exptime: number } | undefined,
  opts: CommandOptions | undefined,
): Promise<bigint | undefined> {
  const { live, down } = ctx.cluster.replicasFor(k.route);
  if (live.length === 0) return Promise.reject(noReplica(down));
  noteDown(ctx, { live, down }, k);
  const calls = live.map((pool) => {
    const once = pool.dialect.arithmetic(kind, k, create ? { delta, create } : { delta });
    return once
      ? ctx.dispatchWrite(pool, once, opts, k)
      : createStepByStep(ctx, pool, kind, k, delta, create!, opts);
  });
  return settleCopies(ctx, kind, key, k, live, down, calls);
}

/**
 * cas: compare-and-swap on the replica reads go to; when it stored, `set` on
 * the other live replicas. A conflict or miss there resolves `false` and
 * writes nothing else; its failure rejects (another replica's token would differ).
 */
async function replicatedCas(
  ctx: Context,
  key: string | Uint8Array,
  k: WireKey,
  make: (pool: ServerPool, kind: 'cas' | 'set') => Exchange<boolean>,
  opts: CommandOptions | undefined,
): Promise<boolean> {
  const { live, down } = ctx.cluster.replicasFor(k.route);
  if (live.length === 0) throw noReplica(down);
  const primary = readOrder(ctx, live, k).order[0]!;
  const others = live.filter((p) => p !== primary);
  // Encoded before anything is sent: a bad value fails the call alone.
  const casEx = make(primary, 'cas');
  const sets = others.map((pool) => make(pool, 'set'));
  if (!(await ctx.dispatchWrite(primary, casEx, opts, k))) return false;
  noteDown(ctx, { live, down }, k);
  const calls = [Promise.resolve(true), ...sets.map((ex, i) => ctx.dispatchWrite(others[i]!, ex, opts, k))];
  return settleCopies(ctx, 'cas', key, k, [primary, ...others], down, calls);
}

/** Sends `make(pool)` to every live replica of `k` (all encoded first), then settles. */
function onEveryReplica<T>(
  ctx: Context,
  command: string,
  key: string | Uint8Array,
  k: WireKey,
  opts: CommandOptions | undefined,
  make: (pool: ServerPool) => Exchange<T>,
): Promise<T> {
  const { live, down } = ctx.cluster.replicasFor(k.route);
  if (live.length === 0) {
    noteDown(ctx, { live, down }, k);
    return Promise.reject(noReplica(down));
  }
  const exchanges = live.map(make);
  noteDown(ctx, { live, down }, k);
  const calls = exchanges.map((ex, i) => ctx.dispatchWrite(live[i]!, ex, opts, k));
  return settleCopies(ctx, command, key, k, live, down, calls);
}

/**
 * The outcome of a write sent to `live` (in replica order) and missed by
 * `down`: the first answer when at least `replicaWrites` copies answered
 * (other failures go to `replica:failure`), else ERR_PARTIAL_FAILURE, or the
 * first error when no copy answered.
 */
async function settleCopies<T>(
  ctx: Context,
  command: string,
  key: string | Uint8Array,
  k: WireKey,
  live: readonly ServerPool[],
  down: readonly string[],
  calls: readonly Promise<T>[],
): Promise<T> {
  const settled = await Promise.allSettled(calls);
  const shown = typeof key === 'string' ? key : k.wire;
  let answered = 0;
  let value: T | undefined;
  const failures: KeyFailure[] = [];
  settled.forEach((s, i) => {
    const server = live[i]!.node.address;
    if (s.status === 'fulfilled') {
      if (answered++ === 0) value = s.value;
    } else failures.push({ server, keys: [shown], error: asServerError(s.reason, server, command) });
  });
  for (const address of down) failures.push({ server: address, keys: [shown], error: deadReplica(address) });
  if (failures.length === 0) return value as T;
  const own = callError(failures.map((f) => f.error));
  if (own) throw own;
  if (answered === 0) throw failures[0]!.error;
  if (answered >= requiredCopies(ctx.options.replicaWrites, live.length + down.length)) {
    reportTolerated(ctx, command, failures);
    return value as T;
  }
  throw new PartialFailureError(command, value as T, failures);
}
