/**
 * The warm-up route (`warmFrom`): moving to a new, empty cluster without a
 * cold cache. A read that misses here reads the old cluster; on a hit the
 * stored bytes and flags are `add`ed here with the item's remaining TTL
 * there (`warmTtl` when the old server speaks text and cannot say it), and
 * the value is returned once that `add` answered (so it is here when the
 * call resolves; its failure is ignored). The old cluster's failures are
 * misses, and the route's requests share the call's timeout: a call never
 * takes longer than its `timeout` because of the old cluster (what is not
 * done in time is a miss, or a value returned without being stored here).
 *
 * No stale value may come back from the old cluster. Every write here
 * (set, add, replace, cas, append, prepend, delete, touch, incr, decr, and
 * the multi-key ones) first sends a delete of the key to the old cluster,
 * and resolves once that settled too (within the write's timeout), so a
 * later miss here (a delete, an expiry, an eviction) cannot find the old
 * value there, in this process or any other. A key whose old delete failed
 * is never read from the old cluster again by this client (a bounded set;
 * past `BLOCK_LIMIT` keys the route stops reading the old cluster at all). A
 * read of the old cluster that a write of the same key overtook returns its
 * value to its caller (the two were concurrent) but does not store it here.
 */
import { toExptime } from '@memkit/protocol';
import type { Client } from '../client';
import { capExptime } from '../cluster/ttl-cap';
import type { Loader } from '../commands/get-or-set';
import type { Context } from '../context';
import type { WireKey } from '../keys';
import { isPartialFailure } from '../partial';
import { FollowViews } from './views';
import { type OldItem, readOldMany, readOldOne } from './warm-read';
import { Warmed } from './warmed';

/** Keys whose delete on the old cluster failed, kept at most; past it the route stops reading there. */
export const BLOCK_LIMIT = 100_000;

/** What the warm-up route did so far (`client.warmUpStats()`). */
export interface WarmUpStats {
  /** Keys looked for in the old cluster (misses here). */
  lookups: number;
  /** Of those, found there (and returned to the caller). */
  hits: number;
  /** Values stored here by `add` (an `add` that found the key already here is not counted). */
  added: number;
  /** Old-cluster reads that failed (each a miss for its caller). */
  failed: number;
  /** Deletes sent to the old cluster for writes here. */
  invalidated: number;
  /** Keys no longer read from the old cluster because their delete there failed. */
  blocked: number;
  /** False once the blocked keys overflowed `BLOCK_LIMIT`: the old cluster is no longer read. */
  active: boolean;
}

/** Reads in flight of one old key: whether a write of that key came meanwhile. */
interface Reading {
  count: number;
  overtaken: boolean;
}

/** The new client's context of `client` (or of the view it is). */
export function contextOf(client: Client): Context {
  return (client as unknown as { ctx: Context }).ctx;
}

export class WarmUp {
  private readonly counts = { lookups: 0, hits: 0, added: 0, failed: 0, invalidated: 0 };
  private readonly blocked = new Set<string>();
  private readonly reading = new Map<string, Reading>();
  private readonly views: FollowViews;
  private active = true;

  constructor(
    /** The old cluster's client. */
    private readonly old: Client,
    /** True when this route built `old` (it then follows each view's key handling, and closes it). */
    readonly owned: boolean,
    /** TTL (seconds, 0 = none) of values from a server that cannot tell their remaining TTL. */
    private readonly fallbackTtl: number,
    /** Called once when the route stops reading the old cluster. */
    private readonly onDisabled: (reason: string) => void,
  ) {
    this.views = new FollowViews(old, owned);
  }

  stats(): WarmUpStats {
    return { ...this.counts, blocked: this.blocked.size, active: this.active };
  }

  /** `get`: the primary's answer, or on a miss the old cluster's value (stored here). */
  async get(view: Client, key: string | Uint8Array, primary: unknown, deadline: number): Promise<unknown> {
    if (primary !== undefined) return primary;
    const found = await this.fetch(view, key, deadline);
    if (found === undefined) return undefined;
    const value = decode(contextOf(view), found.item);
    // Awaited (a round trip here, on warmed reads only): once the call resolved, the value is here.
    if (this.end(found.slot) && value !== undefined) await this.store(view, key, found.item, deadline);
    return value?.value;
  }

  /**
   * `gets`: on a miss, the old value is stored here first, then read back with
   * `gets` so that the CAS returned is the one a later `cas()` here needs.
   */
  async gets<R>(
    view: Client,
    key: string | Uint8Array,
    primary: R | undefined,
    again: (timeout: number) => Promise<R | undefined>,
    deadline: number,
  ): Promise<R | undefined> {
    if (primary !== undefined) return primary;
    const found = await this.fetch(view, key, deadline);
    if (found === undefined) return undefined;
    const value = decode(contextOf(view), found.item);
    const fresh = this.end(found.slot);
    if (value === undefined) return undefined;
    // Overtaken by a write of the key: what is here now is the answer.
    if (fresh) await this.store(view, key, found.item, deadline);
    const budget = left(deadline);
    return budget < 1 ? undefined : again(budget).catch(() => undefined);
  }

  /**
   * getMulti / getsMulti: the keys the primary missed are read from the old
   * cluster in one batch per old server and stored here; with `again`
   * (getsMulti) they are read back here for their CAS.
   */
  async getMulti<V>(
    view: Client,
    keys: readonly string[],
    primary: Map<string, V>,
    prefix: string | undefined,
    again: ((keys: string[], timeout: number) => Promise<Map<string, V>>) | undefined,
    deadline: number,
  ): Promise<Map<string, V>> {
    if (!this.active || primary.size === keys.length) return primary;
    const oldCtx = contextOf(this.oldFor(view));
    const oldPrefix = prefix ?? oldCtx.options.keyPrefix;
    const missing: string[] = [];
    const slots = new Map<string, string>();
    for (const key of new Set(keys)) {
      if (primary.has(key)) continue;
      const slot = slotOf(oldCtx, key, oldPrefix);
      if (slot === undefined || this.blocked.has(slot)) continue;
      missing.push(key);
      slots.set(key, slot);
    }
    const budget = left(deadline);
    if (missing.length === 0 || budget < 1) return primary;
    this.counts.lookups += missing.length;
    for (const slot of slots.values()) this.begin(slot);
    let items: Map<string, OldItem>;
    try {
      items = await readOldMany(oldCtx, missing, oldPrefix, Math.min(budget, oldCtx.options.timeout));
    } catch {
      items = new Map();
      this.counts.failed++;
    }
    const ctx = contextOf(view);
    const stored: Promise<unknown>[] = [];
    const warmed: string[] = [];
    for (const key of missing) {
      const slot = slots.get(key)!;
      const item = items.get(key);
      const value = item && decode(ctx, item);
      const fresh = this.end(slot);
      if (value === undefined) continue;
      this.counts.hits++;
      if (fresh) stored.push(this.add(ctx, ctx.key(key, prefix ?? ctx.options.keyPrefix), item!, deadline));
      if (again) warmed.push(key);
      else primary.set(key, value.value as V);
    }
    await Promise.all(stored);
    if (!again || warmed.length === 0 || left(deadline) < 1) return primary;
    try {
      for (const [k, v] of await again(warmed, left(deadline))) primary.set(k, v);
    } catch {
      // Read back failed: those keys stay misses, like any failure of the warm-up.
    }
    return primary;
  }

  /** A `getOrSet` loader that first looks in the old cluster (its value stored with its remaining TTL). */
  loader<T>(view: Client, key: string, loader: Loader<T>, timeout: number): Loader<T> {
    return async (lctx) => {
      const found = await this.fetch(view, key, performance.now() + timeout);
      if (found === undefined) return loader(lctx);
      const value = decode(contextOf(view), found.item);
      // Overtaken by a write of the key: the old value may be what that write replaced.
      if (!this.end(found.slot) || value === undefined) return loader(lctx);
      return new Warmed(value.value, ttlOf(found.item, this.fallbackTtl)) as unknown as T;
    };
  }

  /**
   * Before a write of `key` here: delete it in the old cluster (within what is
   * left of the write's time); if that fails, never read it there again.
   * Settles when the delete did; never rejects.
   */
  invalidate(view: Client, key: string | Uint8Array, deadline: number): Promise<void> | undefined {
    const old = this.oldFor(view);
    const slot = slotOf(contextOf(old), key);
    if (slot === undefined) return undefined;
    this.overtake(slot);
    this.counts.invalidated++;
    const timeout = left(deadline);
    if (timeout < 1) {
      this.block(slot);
      return undefined;
    }
    return old.delete(key, { timeout }).then(
      () => undefined,
      () => this.block(slot),
    );
  }

  /** `invalidate` for the keys of a multi-key write (one `deleteMulti` there). */
  invalidateMany(
    view: Client,
    keys: readonly string[],
    prefix: string | undefined,
    deadline: number,
  ): Promise<void> | undefined {
    const old = this.oldFor(view);
    const oldCtx = contextOf(old);
    const p = prefix ?? oldCtx.options.keyPrefix;
    const slots = new Map<string, string>();
    for (const key of keys) {
      const slot = slotOf(oldCtx, key, p);
      if (slot === undefined) return undefined;
      slots.set(key, slot);
      this.overtake(slot);
    }
    this.counts.invalidated += slots.size;
    const timeout = left(deadline);
    if (timeout < 1) {
      for (const slot of slots.values()) this.block(slot);
      return undefined;
    }
    const opts = prefix === undefined ? { timeout } : { timeout, keyPrefix: prefix };
    return old.deleteMulti([...slots.keys()], opts).then(
      () => undefined,
      (err) => {
        const failed = isPartialFailure(err) ? err.failures.flatMap((f) => f.keys) : [...slots.keys()];
        for (const key of failed) this.block(slots.get(key)!);
      },
    );
  }

  /** Closes the old client when the route built it. */
  close(graceful: boolean): Promise<void> {
    return this.owned ? this.old.close({ graceful }) : Promise.resolve();
  }

  /** The old client as `view` sees it: a built one follows the view's key prefix and mapping. */
  private oldFor(view: Client): Client {
    return this.views.for(view);
  }

  /** `key` from the old cluster; undefined on a miss, a failure, a blocked key, or when inactive. */
  private async fetch(
    view: Client,
    key: string | Uint8Array,
    deadline: number,
  ): Promise<{ item: OldItem; slot: string } | undefined> {
    const budget = left(deadline);
    if (!this.active || budget < 1) return undefined;
    const oldCtx = contextOf(this.oldFor(view));
    let wire: WireKey;
    try {
      wire = oldCtx.key(key, undefined, true);
    } catch {
      return undefined;
    }
    const slot = slotName(wire);
    if (this.blocked.has(slot)) return undefined;
    this.counts.lookups++;
    this.begin(slot);
    let item: OldItem | undefined;
    try {
      item = await readOldOne(oldCtx, wire, Math.min(budget, oldCtx.options.timeout));
    } catch {
      this.counts.failed++;
    }
    if (item === undefined) {
      this.end(slot);
      return undefined;
    }
    this.counts.hits++;
    return { item, slot };
  }

  /** Stores an old item of a single-key read here. */
  private store(view: Client, key: string | Uint8Array, item: OldItem, deadline: number): Promise<void> {
    const ctx = contextOf(view);
    return this.add(ctx, ctx.key(key), item, deadline);
  }

  /**
   * `add` of the old bytes and flags here, with the remaining TTL, within
   * what is left of the call's time (none left: not stored); never rejects.
   */
  private add(ctx: Context, k: WireKey, item: OldItem, deadline: number): Promise<void> {
    const timeout = left(deadline);
    if (item.bytes.length > ctx.options.maxValueSize || timeout < 1) return Promise.resolve();
    try {
      const pool = ctx.cluster.writePoolFor(k);
      let exptime = toExptime(ttlOf(item, this.fallbackTtl));
      if (pool.ttlCap !== undefined) exptime = capExptime(exptime, pool.ttlCap);
      const ex = pool.dialect.store(
        'add',
        k,
        { bytes: item.bytes, flags: item.flags },
        exptime,
        undefined,
        false,
      );
      return ctx.dispatchWrite(pool, ex, { timeout }, k).then(
        (stored) => {
          if (stored) this.counts.added++;
        },
        () => undefined,
      );
    } catch {
      return Promise.resolve();
    }
  }

  private begin(slot: string): void {
    const r = this.reading.get(slot);
    if (r) r.count++;
    else this.reading.set(slot, { count: 1, overtaken: false });
  }

  /** Ends a read of `slot`: true when no write of it came meanwhile (the value may be stored). */
  private end(slot: string): boolean {
    const r = this.reading.get(slot);
    if (!r) return true;
    if (--r.count === 0) this.reading.delete(slot);
    return !r.overtaken;
  }

  private overtake(slot: string): void {
    const r = this.reading.get(slot);
    if (r) r.overtaken = true;
  }

  private block(slot: string): void {
    if (!this.active) return;
    this.blocked.add(slot);
    if (this.blocked.size <= BLOCK_LIMIT) return;
    this.active = false;
    this.blocked.clear();
    this.onDisabled(
      `more than ${BLOCK_LIMIT} keys could not be deleted in the old cluster: it is no longer read (a value there may be stale)`,
    );
  }
}

/** Whole milliseconds left until `deadline` (a `performance.now()` time). */
function left(deadline: number): number {
  return Math.floor(deadline - performance.now());
}

/** Seconds to store an old item with here: its remaining TTL, or `fallback` when unknown. */
function ttlOf(item: OldItem, fallback: number): number {
  if (item.ttl === undefined) return fallback;
  if (item.ttl < 0) return 0;
  // Expiring within the second: 0 would mean "never" here.
  return Math.max(1, item.ttl);
}

/** The value of an old item as this client reads it; undefined when it cannot be decoded (a miss). */
function decode(ctx: Context, item: OldItem): { value: unknown } | undefined {
  try {
    return { value: ctx.serializer.deserialize(item.bytes, item.flags) };
  } catch {
    return undefined;
  }
}

function slotName(wire: WireKey): string {
  return wire.base64 ? `b ${wire.wire}` : wire.wire;
}

function slotOf(ctx: Context, key: string | Uint8Array, prefix?: string): string | undefined {
  try {
    return slotName(ctx.key(key, prefix ?? ctx.options.keyPrefix, true));
  } catch {
    return undefined;
  }
}
