/**
 * A stored item: the value bytes plus the metadata memcached keeps per item
 * (flags, deadline, CAS, last access, the fetched/stale/win-token bits).
 */
import type { Buffer } from 'node:buffer';

/** One cache entry. Keys are latin1 strings (one char per byte). */
export interface Item {
  readonly key: string;
  /** The data block (owned: never a view into a socket chunk). */
  value: Buffer;
  /** Client flags, 32-bit unsigned. */
  flags: number;
  /** Absolute Unix second at which it expires; 0 = never. */
  exptime: number;
  /** Last access (or store) time, Unix seconds. */
  time: number;
  /** CAS unique; assigned when linked. */
  cas: number;
  /** Has been fetched since it was stored (meta `h`, metadump `fetch=`). */
  fetched: boolean;
  /** Marked stale by `md … I` or a stale-accepting `ms … I`. */
  stale: boolean;
  /** A recache win token (`W`) was handed out. */
  tokenSent: boolean;
  /** The key arrived base64-encoded (meta `b`); echo it back encoded. */
  binaryKey: boolean;
  /** memcached's `ITEM_ntotal`, counted against the memory limit. */
  total: number;
  /** Slab class id it would live in. */
  cls: number;
}

/** Fields the caller chooses when creating an item; the store fills in the rest. */
export interface NewItem {
  key: string;
  value: Buffer;
  flags: number;
  exptime: number;
  binaryKey?: boolean;
}
