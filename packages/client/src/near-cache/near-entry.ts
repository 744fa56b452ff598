/**
 * What the near cache holds: entries (linked into its LRU list), the
 * bookkeeping of requests in flight per key, and the small helpers that
 * name and copy what is cached.
 */

/** A place in the LRU list (a circular doubly linked list around a sentinel). */
export class Link {
  prev: Link = this;
  next: Link = this;

  /** Takes this link out of its list. */
  unlink(): void {
    this.prev.next = this.next;
    this.next.prev = this.prev;
  }

  /** Puts `link` right after this one. */
  insertAfter(link: Link): void {
    link.prev = this;
    link.next = this.next;
    this.next.prev = link;
    this.next = link;
  }
}

/**
 * A value held by the near cache. Immutable values (strings, numbers,
 * bigints, booleans, null) are kept decoded; anything else is kept as its
 * serialized bytes and decoded afresh for every read, so that no two callers
 * ever share a mutable object.
 */
export class NearEntry extends Link {
  constructor(
    readonly slot: string,
    /** The decoded value, when immutable. */
    readonly value: unknown,
    /** The serialized bytes (a private copy), when the value is not immutable. */
    readonly bytes: Buffer | undefined,
    readonly flags: number,
    readonly cas: bigint,
    /** When the request that last fetched or confirmed the value was sent. */
    public stamp: number,
    /** Bytes counted for the entry. */
    readonly size: number,
    /** The address of the server it was read from. */
    readonly server: string,
  ) {
    super();
    this.bumped = stamp;
  }

  /** When the entry was last moved to the front of the LRU list. */
  bumped: number;
}

/** Requests in flight for one key: how many, the generation they started in, and one readers may share. */
export interface Flight {
  /** Requests for the key not settled yet. */
  count: number;
  /** Bumped by every write or flush of the key: a request of an older generation must not fill the cache. */
  gen: number;
  /** A request readers of the key may join (no per-call signal or timeout), and when it was sent. */
  shared: Promise<NearEntry | undefined> | undefined;
  sharedSent: number;
}

/** The key the near cache holds an item under: its wire key, with base64 (binary) keys marked apart. */
export function slotOf(wire: string, base64: boolean): string {
  // A text key has no space, so "b " cannot start one.
  return base64 ? `b ${wire}` : wire;
}

/** A private copy of `bytes` (small ones from Buffer's pool, as `Buffer.from` would, minus its type dispatch). */
export function copyOf(bytes: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafe(bytes.length);
  copy.set(bytes);
  return copy;
}

/** Whether a decoded value can be handed to every reader as is. */
export function immutable(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}
