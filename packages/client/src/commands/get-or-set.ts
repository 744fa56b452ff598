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
 *
 * With a near cache, a fresh entry answers (a hit) without asking memcached;
 * otherwise memcached is asked as above, and the store goes through `store`,
 * which drops the key from the near cache.
 */
import { MemkitError, type MetaValueReply, toExptime } from '@memkit/protocol';
import { capExptime } from '../cluster/ttl-cap';
import type { ServerPool } from '../connection/pool';
import type { Context } from '../context';
import type { LeaseDialect } from '../dialect/index';
import { unwatchAbort, watchAbort } from '../exchanges/abort-watch';
import { slotOf } from '../near-cache/near-cache';
import { readEntry, writing } from '../near-cache/near-read';
import { failureMessage, reportFailure } from '../routes/on-error';
import { isOutage } from '../routes/outage';
import { unwrapLoaded } from '../routes/warmed';
import { noteNearCache, noteOutcome, runUserCode } from '../tracing';
import { readPool } from './replicated';
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

/** What a loader is given. */
export interface LoaderContext {
  /**
   * Aborts once every caller waiting for this load has aborted (never while
   * one that passed no `signal` still waits). Hand it to the fetch or query
   * the loader runs, so work nobody waits for any more stops.
   */
  signal?: AbortSignal;
}

/** The loader: computes the value on a miss. A loader that takes no argument is fine too. */
export type Loader<T> = (ctx: LoaderContext) => T | Promise<T>;

/**
 * One load shared by the in-process callers of a key. Its signal aborts only
 * when every caller that joined has aborted: one caller giving up must not
 * cancel the work the others still wait for.
 */
class SharedLoad {
  /** Set when the first caller passed a signal; without one the load can never be aborted. */
  readonly controller: AbortController | undefined;
  promise: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  /** A caller without a signal joined: nothing aborts the load any more. */
  private pinned = false;
  private readonly watched: Array<[AbortSignal, () => void]> = [];

  constructor(first: AbortSignal | undefined) {
    this.controller = first ? new AbortController() : undefined;
  }

  join(signal: AbortSignal | undefined): void {
    if (!signal) {
      this.pinned = true;
      return;
    }
    this.waiting++;
    const gone = () => {
      if (--this.waiting === 0 && !this.pinned) this.controller?.abort(signal.reason);
    };
    watchAbort(signal, gone);
    this.watched.push([signal, gone]);
  }

  /** The load settled: the callers' signals no longer concern it. */
  release(): void {
    for (const [signal, gone] of this.watched) unwatchAbort(signal, gone);
    this.watched.length = 0;
  }
}

/** In-flight loads per cluster (shared by a client and its `withKeyOptions` views), by wire key. */
const inFlight = new WeakMap<object, Map<string, SharedLoad>>();

export function getOrSet<T>(
  ctx: Context,
  key: string,
  loader: Loader<T>,
  opts: GetOrSetOptions = {},
): Promise<T> {
  const signal = opts.signal;
  if (signal?.aborted) return Promise.reject(aborted(key, signal));
  const wire = ctx.key(key);
  const near = ctx.near;
  if (near !== undefined) {
    const e = near.fresh(slotOf(wire.wire, wire.base64));
    noteNearCache(e === undefined ? 0 : 1);
    if (e !== undefined) {
      noteOutcome('hit');
      return Promise.resolve(readEntry(ctx, e) as T);
    }
  }
  let local = inFlight.get(ctx.cluster);
  if (!local) {
    local = new Map();
    inFlight.set(ctx.cluster, local);
  }
  // A base64 token can equal some text key: the two must never share a call.
  const slot = wire.base64 ? `b ${wire.wire}` : wire.wire;
  const existing = local.get(slot);
  // A load every caller left is winding down (aborted): a new caller starts a load of its own.
  if (existing && !existing.controller?.signal.aborted) {
    noteOutcome('waited');
    existing.join(signal);
    return untilAborted(existing.promise as Promise<T>, key, signal);
  }
  let pool: ServerPool;
  try {
    pool = ctx.cluster.poolFor(wire.route);
  } catch (err) {
    // onError: 'miss' with no server for the key: load without the cache.
    if (!missing(ctx, err, key)) throw err;
    return untilAborted(
      Promise.resolve().then(() => runUserCode(() => loader({ signal }))),
      key,
      signal,
    );
  }
  const load = new SharedLoad(signal);
  load.join(signal);
  const shared: GetOrSetOptions = { ...opts, signal: load.controller?.signal };
  const begin = (): Promise<T> => {
    const lease = ctx.cluster.poolFor(wire.route).dialect.lease;
    return lease ? leasedGetOrSet(ctx, lease, key, loader, shared) : plainGetOrSet(ctx, key, loader, shared);
  };
  // protocol: 'auto' before the server's protocol is known: whether it has leases decides the path.
  const known = pool.protocolKnown();
  load.promise = (known ? known.then(begin) : begin()).finally(() => {
    load.release();
    if (local.get(slot) === load) local.delete(slot);
  });
  // Every caller may have given up: nobody else may be there to see the load fail.
  load.promise.catch(() => undefined);
  local.set(slot, load);
  return untilAborted(load.promise as Promise<T>, key, signal);
}

/** `promise`, or ERR_ABORTED the moment `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, key: string, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(aborted(key, signal));
    watchAbort(signal, stop);
    promise.then(
      (value) => {
        unwatchAbort(signal, stop);
        resolve(value);
      },
      (err: unknown) => {
        unwatchAbort(signal, stop);
        reject(err);
      },
    );
  });
}

function aborted(key: string, signal: AbortSignal): MemkitError {
  return new MemkitError('ERR_ABORTED', `getOrSet ${JSON.stringify(key)}: aborted`, {
    command: 'getOrSet',
    cause: signal.reason,
  });
}

/** The call's options without its signal: for the writes that must happen even when the callers left. */
function unsignalled(opts: GetOrSetOptions): GetOrSetOptions {
  const { signal: _, ...rest } = opts;
  return rest;
}

async function plainGetOrSet<T>(
  ctx: Context,
  key: string,
  loader: Loader<T>,
  opts: GetOrSetOptions,
): Promise<T> {
  const hit = await retrieve(ctx, 'get', key, undefined, opts).catch((err: unknown) => {
    if (missing(ctx, err, key)) return undefined;
    throw err;
  });
  if (hit !== undefined) {
    noteOutcome('hit');
    return hit as T;
  }
  noteOutcome('won');
  const [value, storeOpts] = unwrapLoaded(await runUserCode(() => loader({ signal: opts.signal })), opts);
  await storeLoaded(ctx, 'set', key, value, undefined, unsignalled(storeOpts));
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
    let reply: MetaValueReply | undefined;
    try {
      // With replicas the lease lives on the copy reads use (its cas store then sets the others).
      const pool = ctx.replicated ? readPool(ctx, k) : ctx.cluster.poolFor(k.route);
      const lock = pool.ttlCap === undefined ? lockExptime : capExptime(lockExptime, pool.ttlCap);
      reply = await ctx.dispatch(pool, lease.get(k, lock, recache), opts);
    } catch (err) {
      // onError: 'miss': the cache is out; load and try to store (no lease to hold).
      if (!missing(ctx, err, key)) throw err;
      reply = undefined;
    }
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
      return unwrapLoaded(await runUserCode(() => loader({ signal: opts.signal })), opts)[0];
    }
    waited = true;
    await sleep(delay, key, opts.signal);
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
  // The release and the store go out even when every caller aborted: the lock must not stay
  // held, and a loaded value serves the next caller.
  let always = unsignalled(opts);
  try {
    [value, always] = unwrapLoaded(await runUserCode(() => loader({ signal: opts.signal })), always);
  } catch (err) {
    if (won?.cas !== undefined) {
      // Release the win: delete our placeholder (only if still ours) so another caller can load.
      const k = ctx.key(key);
      const release = lease.release(k, won.cas);
      const pool = ctx.replicated ? readPool(ctx, k) : ctx.cluster.poolFor(k.route);
      await writing(ctx, k, ctx.dispatch(pool, release, always)).catch(() => false);
    }
    throw err;
  }
  // Routed by `store` after the loader ran, which may have taken long enough for the cluster to
  // change. With our win's CAS, the store fails (false) when someone stored a newer value
  // meanwhile: ours is still a valid answer for this caller.
  await storeLoaded(ctx, won?.cas === undefined ? 'set' : 'cas', key, value, won?.cas, {
    ...always,
    noreply: false,
  });
  return value;
}

/** Stores a loaded value; with `onError: 'miss'` a failed store is reported and ignored (the value is still the answer). */
async function storeLoaded(
  ctx: Context,
  kind: 'set' | 'cas',
  key: string,
  value: unknown,
  cas: bigint | undefined,
  opts: GetOrSetOptions,
): Promise<void> {
  try {
    await store(ctx, kind, key, value, cas, opts);
  } catch (err) {
    if (!missing(ctx, err, key)) throw err;
  }
}

/** With `onError: 'miss'`, whether `err` is an outage (then reported as a `failure`); otherwise false. */
function missing(ctx: Context, err: unknown, key: string): boolean {
  if (ctx.options.onError !== 'miss' || !isOutage(err)) return false;
  reportFailure(ctx.cluster, failureMessage('getOrSet', err.server ?? '', [key], err));
  return true;
}

/** Waits `ms` between polls of another caller's lock; ERR_ABORTED at once when `signal` aborts. */
function sleep(ms: number, key: string, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return new Promise((r) => setTimeout(r, ms));
  if (signal.aborted) return Promise.reject(aborted(key, signal));
  return new Promise((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      reject(aborted(key, signal));
    };
    const timer = setTimeout(() => {
      unwatchAbort(signal, stop);
      resolve();
    }, ms);
    watchAbort(signal, stop);
  });
}
