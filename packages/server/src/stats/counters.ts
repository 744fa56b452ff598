/**
 * The counters behind `stats`, `stats items` and `stats slabs`: global
 * command/hit counters and per-slab-class ones, all plain numbers so
 * commands can bump them without ceremony.
 */

/** Counters memcached keeps per slab class (`stats slabs` / `stats items`). */
export interface ClassCounters {
  getHits: number;
  cmdSet: number;
  deleteHits: number;
  incrHits: number;
  decrHits: number;
  casHits: number;
  casBadval: number;
  touchHits: number;
  evicted: number;
  evictedNonzero: number;
  evictedTime: number;
  evictedUnfetched: number;
  reclaimed: number;
  expiredUnfetched: number;
  outOfMemory: number;
}

function newClassCounters(): ClassCounters {
  return {
    getHits: 0,
    cmdSet: 0,
    deleteHits: 0,
    incrHits: 0,
    decrHits: 0,
    casHits: 0,
    casBadval: 0,
    touchHits: 0,
    evicted: 0,
    evictedNonzero: 0,
    evictedTime: 0,
    evictedUnfetched: 0,
    reclaimed: 0,
    expiredUnfetched: 0,
    outOfMemory: 0,
  };
}

/** Server-wide counters; names follow memcached's `stats` output. */
export class Counters {
  cmdGet = 0;
  cmdTouch = 0;
  cmdFlush = 0;
  cmdMeta = 0;
  getMisses = 0;
  getExpired = 0;
  getFlushed = 0;
  deleteMisses = 0;
  incrMisses = 0;
  decrMisses = 0;
  casMisses = 0;
  touchMisses = 0;
  storeTooLarge = 0;
  storeNoMemory = 0;
  totalItems = 0;
  totalConnections = 0;
  rejectedConnections = 0;
  authCmds = 0;
  authErrors = 0;
  bytesRead = 0;
  bytesWritten = 0;
  /** Per slab class id. */
  readonly classes = new Map<number, ClassCounters>();

  /** The counters of class `id`, created on first use (a class "exists" once used). */
  cls(id: number): ClassCounters {
    let c = this.classes.get(id);
    if (c === undefined) {
      c = newClassCounters();
      this.classes.set(id, c);
    }
    return c;
  }

  /** Sum of a per-class counter over every class. */
  sum(field: keyof ClassCounters): number {
    let total = 0;
    for (const c of this.classes.values()) total += c[field];
    return total;
  }

  /** `stats reset`: zero every counter (current values such as `curr_items` are not counters). */
  reset(): void {
    this.totalConnections = 0;
    this.cmdGet = 0;
    this.cmdTouch = 0;
    this.cmdFlush = 0;
    this.cmdMeta = 0;
    this.getMisses = 0;
    this.getExpired = 0;
    this.getFlushed = 0;
    this.deleteMisses = 0;
    this.incrMisses = 0;
    this.decrMisses = 0;
    this.casMisses = 0;
    this.touchMisses = 0;
    this.storeTooLarge = 0;
    this.storeNoMemory = 0;
    this.totalItems = 0;
    this.rejectedConnections = 0;
    this.authCmds = 0;
    this.authErrors = 0;
    this.bytesRead = 0;
    this.bytesWritten = 0;
    for (const id of this.classes.keys()) this.classes.set(id, newClassCounters());
  }
}
