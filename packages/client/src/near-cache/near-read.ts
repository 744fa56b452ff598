/**
 * Reads and writes through the near cache: single-key get/gets (a fresh
 * entry, else a request to memcached that other readers of the key may
 * share: a revalidation of an expired entry, or a fetch), the local share of
 * getMulti/getsMulti and the fetch of the rest, and the invalidation of the
 * keys that writes and flushes touch.
 */
import type { MetaValueReply } from '@memkit/protocol';
import type { Cluster } from '../cluster/cluster';
import type { KeyGroup } from '../commands/group-keys';
import type { ServerPool } from '../connection/pool';
import type { Context } from '../context';
import type { ProtocolMessage } from '../diagnostics';
import type { NearDialect } from '../dialect/index';
import type { Exchange } from '../exchanges/exchange';
import type { NearHitSink } from '../exchanges/meta-near';
import type { WireKey } from '../keys';
import type { CommandOptions } from '../options';
import { noteNearCache, outsideCalls } from '../tracing';
import { copyOf, type Flight, NearCache, type NearCacheSettings, type NearEntry, slotOf } from './near-cache';

/** The value of `e` for one reader: an immutable value as kept, others decoded from a copy of the bytes. */
export function readEntry(ctx: Context, e: NearEntry): unknown {
  return e.bytes === undefined ? e.value : ctx.serializer.deserialize(copyOf(e.bytes), e.flags);
}

/** What get (`withCas` false) or gets resolves with for `e` (undefined: a miss). */
function resultOf(ctx: Context, e: NearEntry | undefined, withCas: boolean): unknown {
  if (e === undefined) return undefined;
  const value = readEntry(ctx, e);
  return withCas ? { value, cas: e.cas } : value;
}

/**
 * get / gets with a near cache. A fresh entry answers at once. Otherwise the
 * read goes to memcached: it joins the request of another reader of the key
 * when one is in flight and was sent less than maxAge ago, else it sends a
 * revalidation (for an expired entry) or a fetch, which later readers may
 * join. A reader with its own `signal` or `timeout` neither joins nor is
 * joined: another reader's abort or deadline must not fail it.
 */
export function nearRetrieve(
  ctx: Context,
  near: NearCache,
  key: string | Uint8Array,
  withCas: boolean,
  opts: CommandOptions | undefined,
): Promise<unknown> {
  // A plain string key is its own slot (after the prefix): no wire key object on a hit.
  const plain = typeof key === 'string' && !ctx.mapKeys;
  let k = plain ? undefined : ctx.key(key);
  const slot = k === undefined ? prefixed(ctx, key as string) : slotOf(k.wire, k.base64);
  const fresh = near.fresh(slot);
  if (fresh !== undefined) {
    noteNearCache(1);
    if (near.due) refreshAhead(ctx, near, k ?? ctx.key(key), fresh);
    return Promise.resolve(resultOf(ctx, fresh, withCas));
  }
  noteNearCache(0);
  k ??= ctx.key(key);
  const pool = ctx.cluster.poolFor(k.route);
  const dialect = pool.dialect.near;
  if (dialect === undefined) {
    const kind = withCas ? 'gets' : 'get';
    return ctx.dispatch(pool, pool.dialect.retrieve(kind, k, undefined, ctx.serializer), opts);
  }
  const shared = opts?.signal === undefined && opts?.timeout === undefined;
  let request = shared ? near.joinable(slot) : undefined;
  if (request === undefined) {
    const r: Read = { ctx, near, pool, dialect, key: k, slot, opts, shared };
    const stale = near.peek(slot);
    request = stale === undefined ? fetch(r, false) : revalidate(r, stale);
  }
  return request.then((e) => resultOf(ctx, e, withCas));
}

/** `key` with the client's prefix. */
function prefixed(ctx: Context, key: string): string {
  const prefix = ctx.options.keyPrefix;
  return prefix === '' ? key : prefix + key;
}

/**
 * Revalidates `e` in the background (REFRESH_AHEAD): readers keep getting
 * it meanwhile, and may join the revalidation if the entry expires before it
 * returns. Failures only drop the entry; nobody waits for them. The request
 * is not counted to the call that triggered it (tracing).
 */
function refreshAhead(ctx: Context, near: NearCache, k: WireKey, e: NearEntry): void {
  outsideCalls(() => {
    let pool: ServerPool;
    try {
      pool = ctx.cluster.poolFor(k.route);
    } catch {
      return; // its server is dead: the entry expires, and the next read reports it
    }
    const dialect = pool.dialect.near;
    if (dialect === undefined) return;
    near.count('refreshed');
    const r: Read = { ctx, near, pool, dialect, key: k, slot: e.slot, opts: undefined, shared: true };
    revalidate(r, e).catch(ignore);
  });
}

function ignore(): void {}

/** One read's request to memcached: what `fetch` and `revalidate` need. */
interface Read {
  ctx: Context;
  near: NearCache;
  pool: ServerPool;
  dialect: NearDialect;
  key: WireKey;
  slot: string;
  opts: CommandOptions | undefined;
  /** Whether later readers may join it. */
  shared: boolean;
}

/**
 * Sends `exchange` as a request of `r`'s key: stamped before it is sent,
 * registered in the key's flight right after (no reply can come back before
 * this returns), shared with later readers when `r.shared`. `settle` makes
 * the read's entry from the reply, given the flight, the generation the
 * request started in and its send time; `failed` runs when it fails.
 */
function request<R>(
  r: Read,
  exchange: Exchange<R>,
  settle: (
    reply: R,
    f: Flight,
    gen: number,
    sent: number,
  ) => Promise<NearEntry | undefined> | NearEntry | undefined,
  failed?: () => void,
): Promise<NearEntry | undefined> {
  const { near, slot } = r;
  const sent = near.now();
  const replied = r.ctx.dispatch(r.pool, exchange, r.opts);
  const f = near.depart(slot);
  const gen = f.gen;
  const p: Promise<NearEntry | undefined> = replied.then(
    (reply) => {
      near.arrive(slot, f, p);
      return settle(reply, f, gen, sent);
    },
    (err: unknown) => {
      near.arrive(slot, f, p);
      failed?.();
      throw err;
    },
  );
  if (r.shared) near.share(f, p, sent);
  return p;
}

/** Fetches the item (a miss: undefined) and offers it to the admission rule. */
function fetch(r: Read, refetch: boolean): Promise<NearEntry | undefined> {
  const { ctx, near, slot } = r;
  // Built before any bookkeeping: an invalid key throws here.
  const exchange = r.dialect.fetch(r.key);
  near.count('fetches');
  return request(r, exchange, (reply, f, gen, sent) => {
    if (reply === undefined) return undefined;
    const value = ctx.serializer.deserialize(reply.value, reply.flags ?? 0);
    const e = near.entryOf(slot, reply, value, sent, r.pool.node.address);
    near.admit(e, reply, f, gen, refetch);
    return e;
  });
}

/**
 * Revalidates the expired entry `e` with a CAS-only read: the same CAS keeps
 * it (restamped with this request's send time), another one refetches the
 * value, a miss drops it. A failed revalidation drops it too.
 */
function revalidate(r: Read, e: NearEntry): Promise<NearEntry | undefined> {
  const { near } = r;
  const exchange = r.dialect.check(r.key);
  near.count('revalidations');
  return request(
    r,
    exchange,
    (hd, f, gen, sent) => {
      if (near.revalidated(e, hd?.cas, hd?.ttl, sent, f, gen)) return e;
      return hd === undefined ? undefined : fetch(r, true);
    },
    () => near.drop(e),
  );
}

/** The slot of a multi-key call's `key` with `prefix` (keys that are not strings are never held). */
export function slotOfKey(ctx: Context, key: string, prefix: string): string {
  if (!ctx.mapKeys) return prefix === '' ? key : prefix + key;
  const k = ctx.key(key, prefix);
  return slotOf(k.wire, k.base64);
}

/**
 * The share of a getMulti/getsMulti the near cache answers: fresh entries
 * go into `out`. Returns the keys left for memcached (`keys` itself when
 * none was answered). Keys that are not strings are left for the grouping
 * to refuse.
 */
export function serveMany<T>(
  ctx: Context,
  near: NearCache,
  keys: readonly string[],
  prefix: string,
  out: Map<string, T>,
  withCas: boolean,
): readonly string[] {
  const rest: string[] = [];
  let hits = 0;
  for (const key of keys) {
    const e = typeof key === 'string' ? near.fresh(slotOfKey(ctx, key, prefix)) : undefined;
    if (e === undefined) rest.push(key);
    else {
      if (near.due) refreshAhead(ctx, near, ctx.key(key, prefix), e);
      out.set(key, resultOf(ctx, e, withCas) as T);
      hits++;
    }
  }
  noteNearCache(hits);
  return hits === 0 ? keys : rest;
}

/**
 * The exchanges that fetch the groups of a getMulti/getsMulti through the
 * near cache (hits fill `out` and are offered to the admission rule), all
 * built before any is registered, so an invalid key fails the call with
 * nothing sent and nothing left in flight.
 */
export function fetchGroups<T>(
  ctx: Context,
  near: NearCache,
  command: string,
  groups: readonly KeyGroup[],
  out: Map<string, T>,
  withCas: boolean,
): Exchange<Map<string, T>>[] {
  const batches: NearBatch<T>[] = [];
  const exchanges = groups.map((g) => {
    const dialect = g.pool.dialect.near;
    if (dialect === undefined) {
      return g.pool.dialect.getMulti<T>(command, g.wires, g.keys, out, ctx.serializer, withCas, g.base64);
    }
    const batch = new NearBatch(ctx, near, g, out, withCas);
    batches.push(batch);
    return dialect.fetchMany<T>(command, g.wires, g.base64, out, batch);
  });
  for (const b of batches) b.depart();
  return exchanges;
}

/** One server's share of a near-cache getMulti: its keys' flights, and the sink of its hits. */
class NearBatch<T> implements NearHitSink {
  private readonly slots: string[] = [];
  private readonly flights: Flight[] = [];
  private readonly gens: number[] = [];
  private sent = 0;

  constructor(
    private readonly ctx: Context,
    private readonly near: NearCache,
    private readonly group: KeyGroup,
    private readonly out: Map<string, T>,
    private readonly withCas: boolean,
  ) {}

  depart(): void {
    const { wires, base64 } = this.group;
    for (let i = 0; i < wires.length; i++) {
      const slot = slotOf(wires[i]!, base64?.[i] === true);
      const f = this.near.depart(slot);
      this.slots.push(slot);
      this.flights.push(f);
      this.gens.push(f.gen);
    }
    this.sent = this.near.now();
    this.near.count('fetches', wires.length);
  }

  hit(i: number, reply: MetaValueReply): void {
    const value = this.ctx.serializer.deserialize(reply.value, reply.flags ?? 0);
    const near = this.near;
    const f = this.flights[i]!;
    const gen = this.gens[i]!;
    // The entry (a copy of the bytes, for a value that is not immutable) only for a hot item.
    if (near.hot(reply, f, gen, false))
      near.admit(
        near.entryOf(this.slots[i]!, reply, value, this.sent, this.group.pool.node.address),
        reply,
        f,
        gen,
        false,
      );
    this.out.set(this.group.keys[i]!, (this.withCas ? { value, cas: reply.cas } : value) as T);
  }

  end(): void {
    for (let i = 0; i < this.slots.length; i++) this.near.arrive(this.slots[i]!, this.flights[i]!, undefined);
  }
}

/** `done` writes `key`: see `invalidating` (a no-op without a near cache). Returns `done`. */
export function writing<T>(ctx: Context, key: WireKey, done: Promise<T>): Promise<T> {
  const near = ctx.near;
  return near === undefined ? done : invalidating(near, [slotOf(key.wire, key.base64)], done);
}

/**
 * A write of `slots` (or of everything: `undefined`, a flush) is under way
 * as `done`: the near cache drops them now, and again once `done` settles,
 * whatever the outcome (a failed or unanswered write may still have changed
 * the item). Returns `done`.
 */
export function invalidating<T>(
  near: NearCache,
  slots: readonly string[] | undefined,
  done: Promise<T>,
): Promise<T> {
  const drop = () => {
    if (slots === undefined) near.clear();
    else for (const s of slots) near.invalidate(s);
  };
  drop();
  done.then(drop, drop);
  return done;
}

/**
 * The near cache of a client on `cluster`. It is emptied whenever a server
 * may have lost or moved items behind its back: a connection closed
 * (memcached may have restarted, and restarted CAS counters could make a
 * revalidation confirm a value that is gone) and any change of which server
 * holds which keys (a server marked dead or alive, a topology change). With
 * `protocol: 'auto'`, the first server found to speak text is reported once
 * with a process warning: its keys are read without the near cache.
 */
export function createNearCache(settings: NearCacheSettings, cluster: Cluster): NearCache {
  const near = new NearCache(settings);
  // A closed connection drops what its server gave; a change of which server holds which keys, everything.
  cluster.on('close', (address: string) => near.dropServer(address));
  cluster.on('ring', () => near.clear());
  let warned = false;
  cluster.on('protocol', (message: ProtocolMessage) => {
    if (message.protocol !== 'text' || warned) return;
    warned = true;
    process.emitWarning(
      `memkit: ${message.server} speaks the text protocol, so its keys are read without the near cache (nearCache needs the meta protocol)`,
      { code: 'MEMKIT_NEAR_CACHE_TEXT' },
    );
  });
  return near;
}
