/**
 * The item store: a hash map whose insertion order is the LRU (a bump is a
 * delete + re-insert, both O(1)), memory accounting against the `-m` limit
 * with LRU eviction, lazy expiration and `flush_all` invalidation done the
 * way memcached does them, and the global CAS counter.
 */
import type { Counters } from '../stats/counters';
import type { Clock } from './clock';
import type { Item, NewItem } from './item';
import { itemTotalSize, type SlabClasses } from './slabs';

/** Why an allocation failed. */
export type AllocFailure = 'too_large' | 'no_memory';

/** Per-class occupancy, kept incrementally for `stats items`/`stats slabs`. */
export interface ClassUsage {
  items: number;
  bytes: number;
}

/** Memory-bounded LRU item store with memcached's expiry, flush and CAS rules. */
export class Store {
  readonly #items = new Map<string, Item>();
  readonly #clock: Clock;
  readonly #counters: Counters;
  readonly slabs: SlabClasses;
  readonly itemSizeMax: number;
  /** `-m` in bytes; `cache_memlimit` may change it. */
  limit: number;
  /** Sum of `total` over linked items (memcached's `bytes`). */
  bytes = 0;
  evictions = 0;
  reclaimed = 0;
  expiredUnfetched = 0;
  evictedUnfetched = 0;
  readonly usage = new Map<number, ClassUsage>();
  #casCounter = 0;
  /** `flush_all` state: items last touched at or before this second are dead once it has passed. */
  #oldestLive = 0;
  /** …and so are items with a CAS below this one (flushes within the same second). */
  #oldestCas = 0;

  constructor(options: {
    clock: Clock;
    counters: Counters;
    slabs: SlabClasses;
    limit: number;
    itemSizeMax: number;
  }) {
    this.#clock = options.clock;
    this.#counters = options.counters;
    this.slabs = options.slabs;
    this.limit = options.limit;
    this.itemSizeMax = options.itemSizeMax;
  }

  /** Number of linked items, expired ones included until they are noticed (memcached's `curr_items`). */
  get size(): number {
    return this.#items.size;
  }

  /** `stats reset`: zero the eviction and reclaim counters. */
  resetCounters(): void {
    this.evictions = 0;
    this.reclaimed = 0;
    this.expiredUnfetched = 0;
    this.evictedUnfetched = 0;
  }

  /** The next CAS unique. */
  nextCas(): number {
    this.#casCounter += 1;
    return this.#casCounter;
  }

  /** Would an item with these sizes exceed `-I`? */
  tooLarge(keyLength: number, flags: number, valueLength: number): boolean {
    return itemTotalSize(keyLength, flags, valueLength) > this.itemSizeMax;
  }

  /** Has `item` expired or been flushed? */
  isDead(item: Item, now = this.#clock.now()): boolean {
    return this.#isFlushed(item, now) || (item.exptime !== 0 && item.exptime <= now);
  }

  #isFlushed(item: Item, now: number): boolean {
    if (this.#oldestLive === 0 || this.#oldestLive > now) return false;
    return item.time <= this.#oldestLive || (this.#oldestCas !== 0 && item.cas < this.#oldestCas);
  }

  /**
   * memcached's `do_item_get`: the live item under `key`, unlinking it if it
   * has expired or was flushed. Does not bump the LRU.
   */
  get(key: string): Item | undefined {
    const item = this.#items.get(key);
    if (item === undefined) return undefined;
    const now = this.#clock.now();
    if (this.#isFlushed(item, now)) {
      this.#counters.getFlushed++;
      this.unlink(item);
      return undefined;
    }
    if (item.exptime !== 0 && item.exptime <= now) {
      this.#counters.getExpired++;
      if (!item.fetched) this.expiredUnfetched++;
      this.unlink(item);
      return undefined;
    }
    return item;
  }

  /** A fetch: mark fetched, record the access time and move to the LRU head. */
  bump(item: Item): void {
    item.fetched = true;
    item.time = this.#clock.now();
    if (this.#items.get(item.key) === item) {
      this.#items.delete(item.key);
      this.#items.set(item.key, item);
    }
  }

  /** Moves to the LRU head without counting a fetch (`add` on an existing key, `touch`). */
  promote(item: Item): void {
    item.time = this.#clock.now();
    if (this.#items.get(item.key) === item) {
      this.#items.delete(item.key);
      this.#items.set(item.key, item);
    }
  }

  /**
   * memcached's `item_alloc`: makes room for a new item (evicting from the
   * LRU tail) and returns it unlinked, or the reason it cannot exist.
   */
  alloc(spec: NewItem): Item | AllocFailure {
    const total = itemTotalSize(spec.key.length, spec.flags, spec.value.length);
    if (total > this.itemSizeMax) return 'too_large';
    if (!this.#makeRoom(total)) return 'no_memory';
    const now = this.#clock.now();
    return {
      key: spec.key,
      value: spec.value,
      flags: spec.flags,
      exptime: spec.exptime,
      time: now,
      cas: 0,
      fetched: false,
      stale: false,
      tokenSent: false,
      binaryKey: spec.binaryKey ?? false,
      total,
      cls: this.slabs.classOf(total),
    };
  }

  #makeRoom(total: number): boolean {
    if (this.bytes + total <= this.limit) return true;
    if (total > this.limit) return false;
    const now = this.#clock.now();
    for (const victim of this.#items.values()) {
      if (this.bytes + total <= this.limit) break;
      const counters = this.#counters.cls(victim.cls);
      if (this.isDead(victim, now)) {
        this.reclaimed++;
        counters.reclaimed++;
        if (!victim.fetched) {
          this.expiredUnfetched++;
          counters.expiredUnfetched++;
        }
      } else {
        this.evictions++;
        counters.evicted++;
        if (victim.exptime !== 0) counters.evictedNonzero++;
        counters.evictedTime = now - victim.time;
        if (!victim.fetched) {
          this.evictedUnfetched++;
          counters.evictedUnfetched++;
        }
      }
      this.unlink(victim);
    }
    return this.bytes + total <= this.limit;
  }

  /** memcached's `do_item_link`: stores `item` (replacing any item under its key) with a new CAS. */
  link(item: Item): void {
    const old = this.#items.get(item.key);
    if (old !== undefined) this.unlink(old);
    item.cas = this.nextCas();
    item.time = this.#clock.now();
    this.#items.set(item.key, item);
    this.bytes += item.total;
    const usage = this.usage.get(item.cls) ?? { items: 0, bytes: 0 };
    usage.items++;
    usage.bytes += item.total;
    this.usage.set(item.cls, usage);
    this.#counters.cls(item.cls);
    this.#counters.totalItems++;
  }

  /** Removes `item` if it is still the one stored under its key. */
  unlink(item: Item): void {
    if (this.#items.get(item.key) !== item) return;
    this.#items.delete(item.key);
    this.bytes -= item.total;
    const usage = this.usage.get(item.cls);
    if (usage !== undefined) {
      usage.items--;
      usage.bytes -= item.total;
    }
  }

  /**
   * Replaces the value of a linked item in place (incr/decr), keeping its
   * size accounting right.
   */
  rewrite(item: Item, value: Item['value']): void {
    const total = itemTotalSize(item.key.length, item.flags, value.length);
    const delta = total - item.total;
    item.value = value;
    item.total = total;
    if (this.#items.get(item.key) === item) {
      this.bytes += delta;
      const usage = this.usage.get(item.cls);
      if (usage !== undefined) usage.bytes += delta;
    }
  }

  /** memcached's `flush_all [delay]`. */
  flush(delay: number): void {
    const now = this.#clock.now();
    const newOldest = delay > 0 ? this.#clock.deadline(delay) : now;
    this.#oldestLive = newOldest - 1;
    if (this.#oldestLive > now) return;
    this.#oldestCas = this.nextCas();
    // Everything linked now is dead; memcached's LRU crawler frees such items
    // in the background, so free them at once rather than leave them counted.
    for (const item of this.#items.values()) this.unlink(item);
  }

  /** Every linked item, LRU tail first (dead ones included). */
  values(): IterableIterator<Item> {
    return this.#items.values();
  }
}
