/**
 * `getOrSet`: read-through caching with stampede protection.
 *
 * Meta protocol: `mg … N<lockTtl> [R<staleTtl>]` lets memcached pick ONE
 * winner among all clients (the `W` flag): on a miss it creates an empty
 * placeholder and hands the win to the first caller; later callers see `Z`
 * (someone else is loading) and wait, or get the current value when it is
 * only stale (`X`) or still inside its refresh window (`R`). The winner runs
 * the loader and stores with `C<cas>` so it never overwrites a newer value;
 * if the loader fails, it deletes its own placeholder so others can retry.
 * In-process callers for the same key also share one in-flight call.
 *
 * Dialects without leases (text): only the in-process sharing applies (the
 * text protocol has no win tokens); documented in the README. With
 * `protocol: 'auto'`, a call made before its server's protocol is known
 * waits for the probe (bounded by it: `connectTimeout` + `timeout`) to know
 * which of the two it is.
 */
import { type MetaValueReply, toExptime } from '@memkit/protocol';
import type { Context } from '../context';
import type { LeaseDialect } from '../dialect/index';
import { noteOutcome, runUserCode } from '../tracing';
import { retrieve } from './retrieval';
import { type SetOptions, store } from './storage';

/** Options of `getOrSet`. */
export interface GetOrSetOptions extends SetOptions {
  /**
   * Seconds before expiry during which ONE caller refreshes the value while
   * everyone else keeps getting the current one (meta `R` flag). Default: off.
   */
  staleTtl?: number;
  /** Seconds a winner has to load and store before another caller may win. Default 30. */
  lockTtl?: number;
  /** Longest time (ms) a caller waits for another caller's load before loading itself. Default 5000. */
  waitTimeout?: number;
}

/** The loader: computes the value on a miss. */
export type Loader<T> = () => T | Promise<T>;

/** In-flight calls per cluster (shared by a client and its `withKeyOptions` views), by wire key. */
const inFlight = new WeakMap<object, Map<string, Promise<unknown>>>();

export function getOrSet<T>(
  ctx: Context,
  key: string,
  loader: Loader<T>,
  opts: GetOrSetOptions = {},
): Promise<T> {
  const wire = ctx.key(key);
  let local = inFlight.get(ctx.cluster);
  if (!local) {
    local = new Map();
    inFlight.set(ctx.cluster, local);
  }
  // A base64 token can equal some text key: the two must never share a call.
  const slot = wire.base64 ? `b ${wire.wire}` : wire.wire;
  const existing = local.get(slot);
  if (existing) {
    noteOutcome('waited');
    return existing as Promise<T>;
  }
  const begin = (): Promise<T> => {
    const lease = ctx.cluster.poolFor(wire.route).dialect.lease;
    return lease ? leasedGetOrSet(ctx, lease, key, loader, opts) : plainGetOrSet(ctx, key, loader, opts);
  };
  // protocol: 'auto' before the server's protocol is known: whether it has leases decides the path.
  const known = ctx.cluster.poolFor(wire.route).protocolKnown();
  const p = (known ? known.then(begin) : begin()).finally(() => local.delete(slot));
  local.set(slot, p);
  return p;
}

async function plainGetOrSet<T>(
  ctx: Context,
  key: string,
  loader: Loader<T>,
  opts: GetOrSetOptions,
): Promise<T> {
  const hit = await retrieve(ctx, 'get', key, undefined, opts);
  if (hit !== undefined) {
    noteOutcome('hit');
    return hit as T;
  }
  noteOutcome('won');
  const value = await runUserCode(loader);
  await store(ctx, 'set', key, value, undefined, opts);
  return value;
}

async function leasedGetOrSet<T>(
  ctx: Context,
  lease: LeaseDialect,
  key: string,
  loader: Loader<T>,
  opts: GetOrSetOptions,
): Promise<T> {
  const k = ctx.key(key);
  const lockExptime = toExptime(opts.lockTtl ?? 30);
  const recache = opts.staleTtl ? Math.ceil(opts.staleTtl) : undefined;
  const waitUntil = performance.now() + (opts.waitTimeout ?? 5000);
  let delay = 5;
  let waited = false;
  for (;;) {
    // Routed afresh each time: the cluster may have changed while this caller waited.
    const pool = ctx.cluster.poolFor(k.route);
    const reply = await ctx.dispatch(pool, lease.get(k, lockExptime, recache), opts);
    if (!reply || reply.win) {
      // No reply means a server without vivify support (EN): load without protection.
      noteOutcome('won');
      return loadAndStore(ctx, lease, key, loader, reply, opts);
    }
    if (!isPlaceholder(reply)) {
      noteOutcome(waited ? 'waited' : reply.stale || reply.winSent ? 'stale' : 'hit');
      return ctx.serializer.deserialize(reply.value, reply.flags ?? 0) as T;
    }
    // Another caller is loading: wait for its value, but never forever.
    if (performance.now() + delay > waitUntil) {
      noteOutcome('timeout');
      return runUserCode(loader);
    }
    waited = true;
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
  }
}

/** The empty item memcached creates on a vivified miss (0 bytes, flags 0, win already handed out). */
function isPlaceholder(r: MetaValueReply): boolean {
  return r.value.length === 0 && (r.flags ?? 0) === 0 && r.winSent === true;
}

async function loadAndStore<T>(
  ctx: Context,
  lease: LeaseDialect,
  key: string,
  loader: Loader<T>,
  won: MetaValueReply | undefined,
  opts: GetOrSetOptions,
): Promise<T> {
  let value: T;
  try {
    value = await runUserCode(loader);
  } catch (err) {
    if (won?.cas !== undefined) {
      // Release the win: delete our placeholder (only if still ours) so another caller can load.
      const k = ctx.key(key);
      const release = lease.release(k, won.cas);
      await ctx.dispatch(ctx.cluster.poolFor(k.route), release, opts).catch(() => false);
    }
    throw err;
  }
  // Routed by `store` after the loader ran, which may have taken long enough for the cluster to
  // change. With our win's CAS, the store fails (false) when someone stored a newer value
  // meanwhile: ours is still a valid answer for this caller.
  await store(ctx, won?.cas === undefined ? 'set' : 'cas', key, value, won?.cas, { ...opts, noreply: false });
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
