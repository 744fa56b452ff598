/**
 * memcached's item size accounting and slab classes. memkit-server does not
 * allocate slabs, but it counts an item's size exactly like memcached 1.6
 * (header + key + suffix + data), so `bytes`, `size=` and the "object too
 * large" boundary match the real daemon, and it reports the slab class an
 * item would live in for `stats items`, `metadump cls=` and `me`.
 */

/** `sizeof(item)` on 64-bit Linux (48) plus the 8-byte CAS. */
const ITEM_HEADER = 48 + 8;
/** memcached's default `-n` (minimum key+value+flags space). */
const MIN_CHUNK = 48;
const CHUNK_ALIGN = 8;
const GROWTH_FACTOR = 1.25;
/** Slab page size: 1 MiB. */
export const SLAB_PAGE_SIZE = 1024 * 1024;
/** Slab class ids are 1..63. */
const MAX_CLASSES = 64;

/**
 * memcached's `ITEM_ntotal`: the bytes an item occupies, counted against
 * `-m` and compared to `-I`. Client flags cost 4 bytes only when non-zero.
 */
export function itemTotalSize(keyLength: number, flags: number, valueLength: number): number {
  return ITEM_HEADER + keyLength + 1 + (flags === 0 ? 0 : 4) + valueLength + 2;
}

/** The chunk sizes of memcached's slab classes for a given `-I`. */
export class SlabClasses {
  /** `sizes[id]` is the chunk size of class `id`; index 0 is unused. */
  readonly sizes: number[] = [0];
  readonly #itemSizeMax: number;

  constructor(itemSizeMax: number) {
    this.#itemSizeMax = itemSizeMax;
    const chunkMax = Math.min(SLAB_PAGE_SIZE / 2, itemSizeMax);
    let size = ITEM_HEADER - 8 + MIN_CHUNK;
    while (this.sizes.length < MAX_CLASSES - 1 && size < chunkMax / GROWTH_FACTOR) {
      if (size % CHUNK_ALIGN !== 0) size += CHUNK_ALIGN - (size % CHUNK_ALIGN);
      this.sizes.push(size);
      size = Math.floor(size * GROWTH_FACTOR);
    }
    this.sizes.push(chunkMax);
  }

  /** The id of the largest class. */
  get largest(): number {
    return this.sizes.length - 1;
  }

  /** memcached's `slabs_clsid`: the class an item of `total` bytes goes to (0 if too large). */
  classOf(total: number): number {
    if (total <= 0 || total > this.#itemSizeMax) return 0;
    // Binary search: sizes are increasing.
    let lo = 1;
    let hi = this.largest;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sizes[mid]! >= total) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Chunks per 1 MiB page in class `id`. */
  perPage(id: number): number {
    return Math.floor(SLAB_PAGE_SIZE / this.sizes[id]!);
  }
}
