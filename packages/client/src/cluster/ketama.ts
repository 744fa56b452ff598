/**
 * Consistent hashing exactly as libmemcached 1.1.4 does it (and so pylibmc,
 * PHP memcached and every other libmemcached binding): the continuum, the
 * point labels, the float32 point counts and the lookup. Proven against
 * the repository's fixtures/vectors/ketama.json; the README there lists the
 * rules reproduced.
 * Building the continuum lives in `continuum.ts` (sliced, cached by label).
 */
import { MemkitError } from '@memkit/protocol';
import {
  buildContinuum,
  type Continuum,
  PointCache,
  type PointScheme,
  runSliced,
  runSync,
} from './continuum';
import { type KeyInput, md5U32, oneAtATime } from './hash';
import type { NodeLocator, ServerNode } from './locator';

export { ketamaLabel } from './ketama-label';

/**
 * Which libmemcached configuration to reproduce; the same names as the
 * client's `hashing` option.
 * - `'ketama'`: `MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED` (pylibmc `ketama_weighted`),
 *   the libketama-compatible ring: md5 key hash, 160 points per server scaled
 *   by weight.
 * - `'ketama-oaat'`: `MEMCACHED_BEHAVIOR_KETAMA` with libmemcached's default
 *   one_at_a_time hash (pylibmc `ketama`).
 * - `'ketama-md5'`: `MEMCACHED_BEHAVIOR_KETAMA` with `hash: md5`.
 */
export type KetamaHashing = 'ketama' | 'ketama-oaat' | 'ketama-md5';

/**
 * libmemcached's names for the same configurations.
 * @deprecated Use `KetamaHashing` (the `hashing` option): here `'ketama'`
 * meant one_at_a_time, while `hashing: 'ketama'` means weighted md5.
 * `'weighted'` is `'ketama'`, `'ketama'` is `'ketama-oaat'`, `'ketama_md5'` is `'ketama-md5'`.
 */
export type KetamaMode = 'weighted' | 'ketama' | 'ketama_md5';

const FROM_MODE: Readonly<Record<KetamaMode, KetamaHashing>> = {
  weighted: 'ketama',
  ketama: 'ketama-oaat',
  ketama_md5: 'ketama-md5',
};
const TO_MODE: Readonly<Record<KetamaHashing, KetamaMode>> = {
  ketama: 'weighted',
  'ketama-oaat': 'ketama',
  'ketama-md5': 'ketama_md5',
};

/** Options of `KetamaLocator`. */
export interface KetamaLocatorOptions {
  /** Default `'ketama'` (weighted md5, as the client's default `hashing`). */
  hashing?: KetamaHashing;
  /** @deprecated Use `hashing` (see `KetamaMode` for the mapping). */
  mode?: KetamaMode;
  /**
   * Point values already computed, by server label: share one cache between
   * the rings of a changing cluster so each rebuild hashes only new servers.
   */
  cache?: PointCache;
  /** The servers that are live now (default: all of `nodes`). */
  live?: readonly ServerNode[];
  /**
   * How the weighted scheme counts points. `'libmemcached'` (default) does
   * libmemcached's float32 arithmetic, which gives 156 points instead of 160
   * per server at some cluster sizes (25, 47, 50, 100, … servers of equal
   * weight): going to or from such a size moves about 2.5% of the keys
   * between servers that did not change, and moving them back later can
   * serve stale values. `'exact'` computes the same formula in float64, so
   * equal weights always give 160 points: what a cluster whose membership
   * changes needs (discovery uses it). Rings are identical at every other size.
   */
  points?: 'libmemcached' | 'exact';
}

/** Options of `KetamaLocator.build`. */
export interface KetamaBuildOptions extends KetamaLocatorOptions {
  /** Longest stretch of work between two event-loop turns, in ms. Default 2. */
  sliceMs?: number;
}

/** The hashing named by `options`, refusing unknown names and a `mode` that contradicts `hashing`. */
function hashingOf(options: KetamaLocatorOptions): KetamaHashing {
  const { hashing, mode } = options;
  if (hashing !== undefined && !Object.hasOwn(TO_MODE, hashing)) {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `ketama: unknown hashing ${JSON.stringify(hashing)}: expected 'ketama', 'ketama-oaat' or 'ketama-md5'`,
    );
  }
  if (mode === undefined) return hashing ?? 'ketama';
  const fromMode = Object.hasOwn(FROM_MODE, mode) ? FROM_MODE[mode] : undefined;
  if (fromMode === undefined) {
    throw new MemkitError('ERR_INVALID_ARGUMENT', `ketama: unknown mode ${JSON.stringify(mode)}`);
  }
  if (hashing !== undefined && hashing !== fromMode) {
    throw new MemkitError(
      'ERR_INVALID_ARGUMENT',
      `ketama: mode ${JSON.stringify(mode)} (deprecated) is hashing ${JSON.stringify(fromMode)}, not ${JSON.stringify(hashing)}`,
    );
  }
  return fromMode;
}

/** One point of the continuum, as `KetamaLocator.continuum()` reports it. */
export interface ContinuumPoint {
  /** The point's position on the ring (unsigned 32-bit). */
  value: number;
  /** The server that owns it. */
  node: ServerNode;
}

const POINTS_PER_SERVER = 100; // MEMCACHED_POINTS_PER_SERVER
const POINTS_PER_SERVER_KETAMA = 160; // MEMCACHED_POINTS_PER_SERVER_KETAMA
const POINTS_PER_HASH = 4; // one md5 digest gives four uint32 points
// Owners are stored as uint16.
const MAX_NODES = 0x10000;

/**
 * Points a server gets in the weighted scheme. libmemcached computes
 * `floor(pct * 160 / 4 * N + 1e-10F) * 4` in C `float`; rounding each step
 * to binary32 matters (weights 1,6,6,6,6 give 28 points, not 32).
 */
/** The weighted scheme's point count in float64: equal weights always give 160 (see `points: 'exact'`). */
export function exactWeightedPointCount(weight: number, totalWeight: number, liveServers: number): number {
  return (
    Math.floor((weight / totalWeight) * (POINTS_PER_SERVER_KETAMA / 4) * liveServers + 1e-10) *
    POINTS_PER_HASH
  );
}

export function weightedPointCount(weight: number, totalWeight: number, liveServers: number): number {
  const pct = Math.fround(Math.fround(weight) / Math.fround(totalWeight));
  let x = Math.fround(pct * POINTS_PER_SERVER_KETAMA);
  x = Math.fround(x / 4);
  x = Math.fround(x * Math.fround(liveServers));
  x = Math.fround(x + Math.fround(1e-10));
  return Math.floor(x) * POINTS_PER_HASH;
}

/** Options objects of constructions started by `build`, which fills the continuum itself. */
const building = new WeakSet<KetamaLocatorOptions>();

/**
 * libmemcached's ketama continuum as a `NodeLocator`. `rebuild(live)`
 * recomputes the ring from the live servers only, as libmemcached's
 * auto-eject does, so a dead server's keys spread over the others and come
 * back when it does.
 *
 * Lookup is a binary search over a `Uint32Array` of sorted point values with
 * a parallel owner array: the only per-key work is the key hash.
 */
export class KetamaLocator implements NodeLocator {
  /** The configuration reproduced. */
  readonly hashing: KetamaHashing;
  readonly #keyHash: (key: KeyInput) => number;
  readonly #rank = new Map<string, number>();
  readonly #cache: PointCache;
  readonly #count: typeof weightedPointCount;
  #weightedPoints: boolean;
  #nodes: ServerNode[] = [];
  #values: Uint32Array = new Uint32Array(0);
  #owners: Uint16Array = new Uint16Array(0);

  /**
   * @param nodes the configured servers, in configuration order (ties between
   *   equal point values go to the server configured first, as in libmemcached).
   * @throws MemkitError `ERR_INVALID_ARGUMENT` when a weight is not an integer >= 1,
   *   or the hashing is unknown.
   */
  constructor(nodes: readonly ServerNode[], options: KetamaLocatorOptions = {}) {
    this.hashing = hashingOf(options);
    this.#keyHash = this.hashing === 'ketama-oaat' ? oneAtATime : md5U32;
    this.#weightedPoints = this.hashing === 'ketama';
    this.#cache = options.cache ?? new PointCache();
    this.#count = options.points === 'exact' ? exactWeightedPointCount : weightedPointCount;
    nodes.forEach((n, i) => {
      if (!this.#rank.has(n.address)) this.#rank.set(n.address, i);
    });
    if (!building.has(options)) this.rebuild(options.live ?? nodes);
  }

  /**
   * Builds a locator over `nodes` (`live` being the live ones) a couple of
   * milliseconds at a time, yielding to the event loop between slices: the
   * way to build a ring of hundreds of servers while traffic flows. The
   * result is the ring of `new KetamaLocator(nodes, options)` followed by
   * `rebuild(live)`.
   * @throws MemkitError `ERR_INVALID_ARGUMENT` as the constructor.
   */
  static async build(nodes: readonly ServerNode[], options: KetamaBuildOptions = {}): Promise<KetamaLocator> {
    const flagged: KetamaLocatorOptions = { ...options };
    building.add(flagged);
    const locator = new KetamaLocator(nodes, flagged);
    const { live, counts } = locator.#prepare(options.live ?? nodes);
    const steps = buildContinuum(live, counts, locator.#scheme(), locator.#cache);
    locator.#install(await runSliced(steps, options.sliceMs));
    return locator;
  }

  /** @deprecated Use `hashing`; this is libmemcached's name for it (see `KetamaMode`). */
  get mode(): KetamaMode {
    return TO_MODE[this.hashing];
  }

  /** Whether points are laid out by weight (md5, 160 per server) rather than 100 per server. */
  get weightedPoints(): boolean {
    return this.#weightedPoints;
  }

  /** The server owning `key`: the first point >= the key hash, wrapping round. */
  locate(key: KeyInput): ServerNode | undefined {
    const nodes = this.#nodes;
    if (nodes.length <= 1) return nodes[0]; // libmemcached skips hashing for one server
    return nodes[this.#owners[this.#point(key)]!];
  }

  /**
   * Up to `n` distinct servers for `key`: its owner, then the owners of the
   * next points clockwise that are not already in the list (the replica
   * placement of ketama-based routers such as twemproxy and mcrouter).
   */
  locateN(key: KeyInput, n: number): ServerNode[] {
    const nodes = this.#nodes;
    const want = Math.min(n, nodes.length);
    if (want <= 0) return [];
    if (nodes.length === 1) return [nodes[0]!];
    const owners = this.#owners;
    const found: ServerNode[] = [];
    const seen = new Uint8Array(nodes.length);
    for (let i = this.#point(key), steps = 0; found.length < want && steps < owners.length; steps++) {
      const o = owners[i]!;
      if (seen[o] === 0) {
        seen[o] = 1;
        found.push(nodes[o]!);
      }
      i = i + 1 === owners.length ? 0 : i + 1;
    }
    return found;
  }

  /** Index of the first point >= the key hash, wrapping round. */
  #point(key: KeyInput): number {
    const values = this.#values;
    const hash = this.#keyHash(key);
    let lo = 0;
    let hi = values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (values[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo === values.length ? 0 : lo;
  }

  /**
   * Recomputes the continuum over `liveNodes`. Weights are shared out among
   * live servers only. Like libmemcached, once any server with weight > 1 has
   * been seen the weighted point scheme stays on (the key hash of the hashing is
   * kept).
   * @throws MemkitError `ERR_INVALID_ARGUMENT` when a weight is not an integer >= 1.
   */
  rebuild(liveNodes: readonly ServerNode[]): void {
    const { live, counts } = this.#prepare(liveNodes);
    this.#install(runSync(buildContinuum(live, counts, this.#scheme(), this.#cache)));
  }

  /** Checks the live servers, puts them in rank order and counts their points. */
  #prepare(liveNodes: readonly ServerNode[]): { live: ServerNode[]; counts: number[] } {
    const seen = new Set<string>();
    const live: ServerNode[] = [];
    for (const node of liveNodes) {
      if (!Number.isInteger(node.weight) || node.weight < 1) {
        throw new MemkitError(
          'ERR_INVALID_ARGUMENT',
          `ketama: weight of ${node.address} must be an integer >= 1, got ${node.weight}`,
        );
      }
      if (seen.has(node.address)) continue;
      seen.add(node.address);
      live.push(node);
      if (node.weight > 1) this.#weightedPoints = true;
    }
    if (live.length > MAX_NODES) {
      throw new MemkitError(
        'ERR_INVALID_ARGUMENT',
        `ketama: at most ${MAX_NODES} servers, got ${live.length}`,
      );
    }
    const rank = (n: ServerNode): number => this.#rank.get(n.address) ?? Number.MAX_SAFE_INTEGER;
    // Array.prototype.sort is stable: unconfigured servers keep the given order.
    live.sort((a, b) => rank(a) - rank(b));
    let totalWeight = 0;
    for (const n of live) totalWeight += n.weight;
    const counts = live.map((n) =>
      this.#weightedPoints ? this.#count(n.weight, totalWeight, live.length) : POINTS_PER_SERVER,
    );
    return { live, counts };
  }

  #scheme(): PointScheme {
    return {
      weighted: this.#weightedPoints,
      keyHash: this.#keyHash,
      id: this.#weightedPoints ? 'md5x4' : this.hashing,
    };
  }

  #install(c: Continuum): void {
    this.#nodes = c.nodes;
    this.#values = c.values;
    this.#owners = c.owners;
  }

  /** The sorted continuum (a copy, for diagnostics and tests; allocates). */
  continuum(): ContinuumPoint[] {
    const points: ContinuumPoint[] = [];
    for (let i = 0; i < this.#values.length; i++) {
      points.push({ value: this.#values[i]!, node: this.#nodes[this.#owners[i]!]! });
    }
    return points;
  }
}
