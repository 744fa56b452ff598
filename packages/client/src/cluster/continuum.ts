/**
 * Building libmemcached's ketama continuum without stalling the event loop.
 *
 * The build is a generator of small steps: hashing one server's point labels,
 * or a few thousand points of a bucket sort. `runSync` runs it to the end
 * (small rings, `KetamaLocator`'s constructor); `runSliced` runs it a couple of
 * milliseconds at a time between event-loop turns, so a 1,000-server ring
 * (160,000 points, ~40,000 md5s) is built while traffic keeps flowing.
 *
 * Each server's points are cached by label (`PointCache`), so a topology
 * change only hashes the servers it adds. Points are ordered by (value,
 * server rank), exactly as libmemcached's qsort over the same points orders
 * them; a bucket sort on the top bits of the value does it in linear time.
 */
import { type KeyInput, md5 } from './hash';
import { ketamaLabel } from './ketama-label';
import type { ServerNode } from './locator';

/** A built continuum: point values ascending, with the index (into `nodes`) of each point's server. */
export interface Continuum {
  nodes: ServerNode[];
  values: Uint32Array;
  owners: Uint16Array;
}

/** How a ring's points are generated. */
export interface PointScheme {
  /** md5 digests of `host:port-i`, four points each (libketama) rather than one key hash per point. */
  weighted: boolean;
  /** The key hash (used for point labels when not `weighted`). */
  keyHash: (key: KeyInput) => number;
  /** Names the scheme in the point cache: the same label hashes differently under another scheme. */
  id: string;
}

const POINTS_PER_HASH = 4;
/** Points handled between two checks of the time budget in the sort. */
const SORT_STEP = 8192;
/** Buckets holding more points than this are sorted with a typed-array sort instead of insertion. */
const INSERTION_MAX = 32;
/** Owners are packed next to values in one float64 to sort a large bucket. */
const OWNER_SPACE = 0x10000;

/**
 * Point values of servers by label, in generation order, so rebuilding a
 * ring after a change hashes only the servers that are new. Entries not
 * used by the last build are dropped by `prune`.
 */
export class PointCache {
  readonly #points = new Map<string, Uint32Array>();
  #used = new Set<string>();

  /** The first `count` points of `node` under `scheme`, or undefined when some must be hashed first. */
  cached(node: ServerNode, count: number, scheme: PointScheme): Uint32Array | undefined {
    const id = `${scheme.id}|${ketamaLabel(node, 0)}`;
    const cached = this.#points.get(id);
    if (cached === undefined || cached.length < count) return undefined;
    this.#used.add(id);
    return cached.subarray(0, count);
  }

  /** The first `count` points of `node` under `scheme` (hashing the missing ones). */
  points(node: ServerNode, count: number, scheme: PointScheme): Uint32Array {
    const id = `${scheme.id}|${ketamaLabel(node, 0)}`;
    this.#used.add(id);
    let cached = this.#points.get(id);
    if (cached === undefined || cached.length < count) {
      cached = generate(node, count, scheme, cached);
      this.#points.set(id, cached);
    }
    return cached.subarray(0, count);
  }

  /** Whether `points(node, count, scheme)` would hash anything. */
  has(node: ServerNode, count: number, scheme: PointScheme): boolean {
    const id = `${scheme.id}|${ketamaLabel(node, 0)}`;
    return (this.#points.get(id)?.length ?? 0) >= count;
  }

  /** Forgets every server not asked for since the last `prune`. */
  prune(): void {
    for (const id of this.#points.keys()) if (!this.#used.has(id)) this.#points.delete(id);
    this.#used = new Set();
  }

  /** Servers cached. */
  get size(): number {
    return this.#points.size;
  }
}

function generate(
  node: ServerNode,
  count: number,
  scheme: PointScheme,
  have: Uint32Array | undefined,
): Uint32Array {
  const out = new Uint32Array(count);
  let i = 0;
  if (have !== undefined) {
    out.set(have);
    i = have.length;
  }
  if (scheme.weighted) {
    for (let h = i / POINTS_PER_HASH; i < count; h++) {
      const digest = md5(ketamaLabel(node, h));
      for (let j = 0; j < POINTS_PER_HASH && i < count; j++) out[i++] = digest.readUInt32LE(j * 4);
    }
  } else {
    for (; i < count; i++) out[i] = scheme.keyHash(ketamaLabel(node, i));
  }
  return out;
}

/**
 * The continuum of `live` (in rank order) with `counts[i]` points for server
 * `i`, as a generator that yields between small steps of work.
 */
export function* buildContinuum(
  live: ServerNode[],
  counts: readonly number[],
  scheme: PointScheme,
  cache: PointCache,
): Generator<void, Continuum, void> {
  const points: Uint32Array[] = [];
  let total = 0;
  for (let owner = 0; owner < live.length; owner++) {
    const node = live[owner]!;
    const count = counts[owner]!;
    const known = cache.cached(node, count, scheme);
    points.push(known ?? cache.points(node, count, scheme));
    total += count;
    // A server to hash is a step; cached ones are cheap, a step every few dozen.
    if (known === undefined || (owner & 63) === 63) yield;
  }
  cache.prune();
  // About two points per bucket: the insertion sort of a bucket is then nearly free.
  const bits = Math.min(16, Math.max(1, Math.ceil(Math.log2(Math.max(2, total / 2)))));
  const shift = 32 - bits;
  const buckets = 1 << bits;
  const start = new Int32Array(buckets + 1);
  let step = 0;
  for (const p of points) {
    for (let i = 0; i < p.length; i++) start[(p[i]! >>> shift) + 1]!++;
    step += p.length;
    if (step >= SORT_STEP) {
      step = 0;
      yield;
    }
  }
  for (let b = 0; b < buckets; b++) start[b + 1]! += start[b]!;
  const values = new Uint32Array(total);
  const owners = new Uint16Array(total);
  const cursor = start.slice(0, buckets);
  // Scattering servers in rank order keeps each bucket ordered by rank, so a
  // stable sort by value gives libmemcached's (value, rank) order.
  for (let owner = 0; owner < points.length; owner++) {
    const p = points[owner]!;
    for (let i = 0; i < p.length; i++) {
      const v = p[i]!;
      const at = cursor[v >>> shift]!++;
      values[at] = v;
      owners[at] = owner;
    }
    step += p.length;
    if (step >= SORT_STEP) {
      step = 0;
      yield;
    }
  }
  for (let b = 0; b < buckets; b++) {
    const from = start[b]!;
    const to = start[b + 1]!;
    if (to - from > 1) sortBucket(values, owners, from, to);
    step += to - from + 1;
    if (step >= SORT_STEP) {
      step = 0;
      yield;
    }
  }
  return { nodes: live, values, owners };
}

/** Sorts `[from, to)` by (value, owner); entries arrive in owner order. */
function sortBucket(values: Uint32Array, owners: Uint16Array, from: number, to: number): void {
  if (to - from <= INSERTION_MAX) {
    // Stable insertion sort by value: equal values keep their (owner) order.
    for (let i = from + 1; i < to; i++) {
      const v = values[i]!;
      const o = owners[i]!;
      let j = i - 1;
      while (j >= from && values[j]! > v) {
        values[j + 1] = values[j]!;
        owners[j + 1] = owners[j]!;
        j--;
      }
      values[j + 1] = v;
      owners[j + 1] = o;
    }
    return;
  }
  const keys = new Float64Array(to - from);
  for (let i = from; i < to; i++) keys[i - from] = values[i]! * OWNER_SPACE + owners[i]!;
  keys.sort();
  for (let i = from; i < to; i++) {
    const key = keys[i - from]!;
    const owner = key % OWNER_SPACE;
    owners[i] = owner;
    values[i] = (key - owner) / OWNER_SPACE;
  }
}

/** Runs a build to the end, now. */
export function runSync<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Default time slice of `runSliced`, in ms. */
export const DEFAULT_SLICE_MS = 2;

/**
 * Runs a build `sliceMs` at a time, giving the event loop a turn
 * (`setImmediate`) between slices so I/O and timers are served meanwhile.
 */
export async function runSliced<T>(steps: Generator<void, T, void>, sliceMs = DEFAULT_SLICE_MS): Promise<T> {
  // Start on a fresh turn: the caller may have done work of its own in this one.
  await new Promise<void>((resolve) => setImmediate(resolve));
  let sliceEnd = performance.now() + sliceMs;
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() >= sliceEnd) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceEnd = performance.now() + sliceMs;
    }
  }
}
