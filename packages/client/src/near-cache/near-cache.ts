/**
 * The near cache (client option `nearCache`): an in-process LRU of hot items
 * in front of memcached, bounded in bytes and in staleness. This module owns
 * the bookkeeping only (entries, LRU order, the byte bound, the admission
 * rule, the requests in flight per key and their invalidation); it sends
 * nothing. `near-read.ts` drives it from the retrieval commands.
 *
 * Staleness: an entry is served while `now - stamp < maxAge`, where `stamp`
 * is when the request that last fetched or confirmed its value was SENT
 * (taken before the request is queued). memcached answers that request after
 * it was sent, so the value was current at some instant no earlier than the
 * stamp, and a read served from the entry returns a value that was current
 * less than `maxAge` before the read began.
 *
 * Writes through this client: a write (or flush) drops the key at once and
 * again when the write settles, and bumps the key's flight generation, so a
 * fetch that was already in flight cannot put back a value older than the
 * write.
 */
import type { MetaValueReply } from '@memkit/protocol';
import { copyOf, type Flight, immutable, Link, NearEntry } from './near-entry';

export { copyOf, type Flight, immutable, NearEntry, slotOf } from './near-entry';

/** Resolved `nearCache` settings. */
export interface NearCacheSettings {
  /** Bound on the bytes counted for all entries (see `NearCache.entryOf`). */
  maxBytes: number;
  /** How long (ms) after its fetch or revalidation was sent an entry may be served. */
  maxAge: number;
}

/** A clock in milliseconds (`performance.now()` unless a test injects its own). */
export type Clock = () => number;

/**
 * Admission: memcached's `l` (seconds since the item was last accessed,
 * before this read) must be at most this. With `h1` (read before since it
 * was stored) it means: at least two reads of this version, by any client,
 * the one before ours less than about two seconds ago (memcached's clock
 * ticks once a second).
 */
export const HOT_LAST_ACCESS_SECONDS = 1;

/**
 * Refresh-ahead: a read of an entry older than this fraction of maxAge (and
 * still fresh) also sends a revalidation in the background, so an entry read
 * often is confirmed before it expires and its readers never wait for
 * memcached. It costs at most 1 / REFRESH_AHEAD revalidations per maxAge of
 * each such key, against one for a revalidation at expiry.
 */
export const REFRESH_AHEAD = 0.75;

/** Bookkeeping counted per entry on top of its key and value bytes (objects, map slot, list links). */
export const ENTRY_OVERHEAD_BYTES = 96;

/** Counters of a near cache, for monitoring (`Client.nearCacheStats()`). */
export interface NearCacheStats {
  /** Entries held now. */
  entries: number;
  /** Bytes counted for them (key + serialized value + overhead per entry), at most `maxBytes`. */
  bytes: number;
  /** The `maxBytes` setting. */
  maxBytes: number;
  /** The `maxAge` setting (ms). */
  maxAge: number;
  /** Keys read from a fresh entry, without asking memcached. */
  hits: number;
  /** Keys read from memcached because no entry held them (or one was dropped). */
  fetches: number;
  /** Keys read by another caller's request in flight (a shared fetch or revalidation). */
  joined: number;
  /** Revalidations sent (`mg <key> c t`): for entries past `maxAge`, or ahead of it (see `refreshed`). */
  revalidations: number;
  /** Of those, revalidations sent in the background by a read of an entry close to `maxAge`. */
  refreshed: number;
  /** Revalidations that found the same CAS (the entry was kept and restamped). */
  unchanged: number;
  /** Fetched values taken into the cache by the admission rule. */
  admitted: number;
  /** Entries dropped to stay within `maxBytes`. */
  evicted: number;
  /** Entries dropped by writes and flushes of this client, failures and expiry on the server. */
  dropped: number;
}

export class NearCache {
  private readonly entries = new Map<string, NearEntry>();
  /**
   * The LRU order: `lru.next` is the most recently used entry, `lru.prev`
   * the least. A linked list, so a hit costs a few pointer writes (moving an
   * entry to the end of a Map costs a delete and an insert, and the Map's
   * rehashing of the holes that leaves).
   */
  private readonly lru = new Link();
  private readonly flights = new Map<string, Flight>();
  private bytes = 0;
  /** Entries held per server address (so that a closed connection of a server with none costs no scan). */
  private readonly perServer = new Map<string, number>();
  private readonly counters = {
    hits: 0,
    fetches: 0,
    joined: 0,
    revalidations: 0,
    refreshed: 0,
    unchanged: 0,
    admitted: 0,
    evicted: 0,
    dropped: 0,
  };

  /** Set by `fresh`: the entry it returned is old enough to be revalidated ahead of its expiry. */
  due = false;
  private readonly refreshAge: number;
  /** Hits on an entry move it to the front of the LRU list at most once per this many ms. */
  private readonly bumpInterval: number;

  constructor(
    readonly settings: NearCacheSettings,
    readonly now: Clock = () => performance.now(),
  ) {
    this.refreshAge = settings.maxAge * REFRESH_AHEAD;
    this.bumpInterval = settings.maxAge / 4;
  }

  /**
   * The fresh entry of `slot` (counted as a hit and made most recently
   * used), or undefined. Sets `due` when the entry should be revalidated in
   * the background (see REFRESH_AHEAD).
   */
  fresh(slot: string): NearEntry | undefined {
    const e = this.entries.get(slot);
    if (e === undefined) return undefined;
    const now = this.now();
    const age = now - e.stamp;
    if (age >= this.settings.maxAge) return undefined;
    this.due = age >= this.refreshAge && !this.flights.has(slot);
    if (now - e.bumped >= this.bumpInterval) {
      // Moved to the front at most once per interval, as memcached bumps its items: a hit on an entry
      // bumped a moment ago touches nothing but the entry (relinking touches both neighbours too).
      e.bumped = now;
      e.unlink();
      this.lru.insertAfter(e);
    }
    this.counters.hits++;
    return e;
  }

  /** The entry of `slot`, fresh or not (the one to revalidate). */
  peek(slot: string): NearEntry | undefined {
    return this.entries.get(slot);
  }

  /** The request for `slot` a reader arriving now may share, if any (sent less than `maxAge` ago). */
  joinable(slot: string): Promise<NearEntry | undefined> | undefined {
    const f = this.flights.get(slot);
    if (f?.shared === undefined || this.now() - f.sharedSent >= this.settings.maxAge) return undefined;
    this.counters.joined++;
    return f.shared;
  }

  /** Registers a request for `slot` about to be sent; returns its flight and the generation it starts in. */
  depart(slot: string): Flight {
    let f = this.flights.get(slot);
    if (f === undefined) {
      f = { count: 0, gen: 0, shared: undefined, sharedSent: 0 };
      this.flights.set(slot, f);
    }
    f.count++;
    return f;
  }

  /** A request registered with `depart` settled; `promise` stops being shared if it was. */
  arrive(slot: string, f: Flight, promise: Promise<NearEntry | undefined> | undefined): void {
    if (f.shared === promise) f.shared = undefined;
    if (--f.count === 0 && this.flights.get(slot) === f) this.flights.delete(slot);
  }

  /** Makes `promise` (sent at `sent`) the request of `f`'s key that later readers share. */
  share(f: Flight, promise: Promise<NearEntry | undefined>, sent: number): void {
    f.shared = promise;
    f.sharedSent = sent;
  }

  /**
   * The entry a fetch reply makes (not cached yet): `value` is the reply's
   * value decoded; `bytes` the reply's bytes (copied here when the value is
   * not immutable). Its size: the key's UTF-8 bytes, the value's serialized
   * bytes (a decoded string's length if that is more, as for a compressed
   * text) and ENTRY_OVERHEAD_BYTES.
   */
  entryOf(slot: string, reply: MetaValueReply, value: unknown, sent: number, server = ''): NearEntry {
    const keep = immutable(value);
    const bytes = keep ? undefined : copyOf(reply.value);
    // A decoded string longer than its bytes (compressed text) counts as its length.
    const held = typeof value === 'string' ? Math.max(value.length, reply.value.length) : reply.value.length;
    const size = Buffer.byteLength(slot) + held + ENTRY_OVERHEAD_BYTES;
    return new NearEntry(
      slot,
      keep ? value : undefined,
      bytes,
      reply.flags ?? 0,
      reply.cas ?? 0n,
      sent,
      size,
      server,
    );
  }

  /**
   * The admission rule: caches `e`, fetched by a request of flight `f` that
   * started in generation `gen`, when the item is hot: memcached says it was
   * read before (`h1`) and last read at most HOT_LAST_ACCESS_SECONDS ago
   * (`l`), or the fetch replaces an entry this cache already held (`refetch`:
   * a revalidation found a new CAS, and a key once admitted stays hot while
   * it is read, even when other processes write it so often that each new
   * version is unread when it is fetched). Never: an item in a recache or
   * stale state (`W`, `X`, `Z`), one that may expire on the server before
   * the entry would stop being served, one larger than `maxBytes`, or when a
   * write or flush of the key happened since the request was sent. True
   * when cached.
   */
  admit(e: NearEntry, reply: MetaValueReply, f: Flight, gen: number, refetch: boolean): boolean {
    if (!this.hot(reply, f, gen, refetch) || e.size > this.settings.maxBytes) return false;
    this.put(e);
    this.counters.admitted++;
    return true;
  }

  /** The admission rule without the size bound (see `admit`). */
  hot(reply: MetaValueReply, f: Flight, gen: number, refetch: boolean): boolean {
    if (f.gen !== gen || reply.cas === undefined) return false;
    if (!refetch && !(reply.hit === true && reply.lastAccess! <= HOT_LAST_ACCESS_SECONDS)) return false;
    return !(reply.win || reply.stale || reply.winSent) && this.outlives(reply.ttl);
  }

  /**
   * A revalidation sent at `sent` found `cas` (undefined: a miss) with
   * remaining TTL `ttl`: keeps and restamps `e` when the CAS is the same and
   * nothing invalidated the key meanwhile; otherwise drops it. True when the
   * value is unchanged (the caller may return it, whether or not it stays
   * cached). False when a write, flush or closed connection invalidated the
   * key since the request was sent, whatever the CAS: the caller refetches
   * (after a restart of memcached, or on another server after a ring change,
   * an equal CAS proves nothing about the value).
   */
  revalidated(
    e: NearEntry,
    cas: bigint | undefined,
    ttl: number | undefined,
    sent: number,
    f: Flight,
    gen: number,
  ): boolean {
    const sameCas = cas !== undefined && cas === e.cas;
    if (sameCas) this.counters.unchanged++;
    const same = sameCas && f.gen === gen;
    if (this.entries.get(e.slot) !== e) return same;
    if (same && this.outlives(ttl)) {
      e.stamp = sent;
      return true;
    }
    this.remove(e);
    this.counters.dropped++;
    return same;
  }

  /** A write or flush of `slot` is under way or done: drop its entry and outdate its requests in flight. */
  invalidate(slot: string): void {
    const e = this.entries.get(slot);
    if (e !== undefined) {
      this.remove(e);
      this.counters.dropped++;
    }
    const f = this.flights.get(slot);
    if (f !== undefined) {
      f.gen++;
      f.shared = undefined;
    }
  }

  /** Drops every entry and outdates every request in flight (flushAll, a lost connection, a failover). */
  clear(): void {
    this.counters.dropped += this.entries.size;
    this.entries.clear();
    this.lru.next = this.lru.prev = this.lru;
    this.bytes = 0;
    this.perServer.clear();
    for (const f of this.flights.values()) {
      f.gen++;
      f.shared = undefined;
    }
  }

  /**
   * Drops every entry read from `server` (a connection to it closed: it may
   * have restarted, and its CAS counters with it, so an old entry's CAS could
   * match a new value). Entries of other servers stay.
   */
  dropServer(server: string): void {
    if (!this.perServer.get(server)) return;
    for (const e of [...this.entries.values()]) {
      if (e.server !== server) continue;
      this.remove(e);
      this.counters.dropped++;
      // its revalidation in flight, if any, must not vouch for the old value (see `revalidated`)
      const f = this.flights.get(e.slot);
      if (f !== undefined) {
        f.gen++;
        f.shared = undefined;
      }
    }
  }

  /** Drops the entry of `slot` if it is `e` (a failed revalidation, a miss). */
  drop(e: NearEntry): void {
    if (this.entries.get(e.slot) !== e) return;
    this.remove(e);
    this.counters.dropped++;
  }

  /** Counts keys read from memcached (`fetches`) or revalidated. */
  count(what: 'fetches' | 'revalidations' | 'refreshed', n = 1): void {
    this.counters[what] += n;
  }

  stats(): NearCacheStats {
    return {
      entries: this.entries.size,
      bytes: this.bytes,
      maxBytes: this.settings.maxBytes,
      maxAge: this.settings.maxAge,
      ...this.counters,
    };
  }

  /**
   * Whether an item whose remaining TTL is `ttl` seconds (`t` flag, -1 for
   * none) outlives any serving of an entry stamped now: no TTL, or more than
   * maxAge left even if memcached's one-second clock is a tick behind. An
   * item that may expire sooner is not cached (nor kept on revalidation), so
   * the near cache never serves an item past its expiry on the server.
   */
  private outlives(ttl: number | undefined): boolean {
    return ttl === undefined || ttl < 0 || (ttl - 1) * 1000 > this.settings.maxAge;
  }

  private put(e: NearEntry): void {
    const old = this.entries.get(e.slot);
    if (old !== undefined) this.remove(old);
    this.entries.set(e.slot, e);
    this.lru.insertAfter(e);
    this.bytes += e.size;
    this.perServer.set(e.server, (this.perServer.get(e.server) ?? 0) + 1);
    const max = this.settings.maxBytes;
    while (this.bytes > max) {
      this.remove(this.lru.prev as NearEntry);
      this.counters.evicted++;
    }
  }

  private remove(e: NearEntry): void {
    this.entries.delete(e.slot);
    e.unlink();
    this.bytes -= e.size;
    const n = this.perServer.get(e.server)! - 1;
    if (n === 0) this.perServer.delete(e.server);
    else this.perServer.set(e.server, n);
  }
}
