/**
 * The continuum builder: the sliced, label-cached bucket sort must produce
 * exactly the continuum of the straightforward build (every point hashed,
 * one sort by (value, rank)), for every hashing, weights, live subsets and
 * ties; built sliced or at once; and a rebuild after a change hashes only
 * the servers it adds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildContinuum, PointCache, type PointScheme, runSliced, runSync } from '../src/cluster/continuum';
import { type KeyInput, md5, md5U32, oneAtATime } from '../src/cluster/hash';
import { type KetamaHashing, KetamaLocator, ketamaLabel, weightedPointCount } from '../src/cluster/ketama';
import type { ServerNode } from '../src/cluster/locator';

/** The plain build: every point of every live server, one sort of (value, rank). */
function referenceContinuum(
  live: ServerNode[],
  counts: number[],
  weighted: boolean,
  keyHash: (k: KeyInput) => number,
): Array<[number, string]> {
  const points: Array<[number, number]> = [];
  live.forEach((node, owner) => {
    const count = counts[owner]!;
    if (weighted) {
      for (let i = 0; i < count / 4; i++) {
        const digest = md5(ketamaLabel(node, i));
        for (let j = 0; j < 4; j++) points.push([digest.readUInt32LE(j * 4), owner]);
      }
    } else {
      for (let i = 0; i < count; i++) points.push([keyHash(ketamaLabel(node, i)), owner]);
    }
  });
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return points.map(([v, o]) => [v, live[o]!.address]);
}

function expected(nodes: ServerNode[], live: ServerNode[], hashing: KetamaHashing): Array<[number, string]> {
  const rank = new Map(nodes.map((n, i) => [n.address, i]));
  const ordered = [...live].sort((a, b) => rank.get(a.address)! - rank.get(b.address)!);
  const weighted = hashing === 'ketama' || nodes.some((n) => n.weight > 1);
  const total = ordered.reduce((s, n) => s + n.weight, 0);
  const counts = ordered.map((n) => (weighted ? weightedPointCount(n.weight, total, ordered.length) : 100));
  return referenceContinuum(ordered, counts, weighted, hashing === 'ketama-oaat' ? oneAtATime : md5U32);
}

const points = (l: KetamaLocator) => l.continuum().map((p): [number, string] => [p.value, p.node.address]);

const nodeArb: fc.Arbitrary<ServerNode> = fc.oneof(
  fc
    .record({
      host: fc.constantFrom('10.0.0.1', 'cache-a', 'cache-b.internal', '::1'),
      port: fc.integer({ min: 11210, max: 11214 }),
      weight: fc.integer({ min: 1, max: 4 }),
    })
    .map(({ host, port, weight }) => ({
      address: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
      host,
      port,
      weight,
    })),
  fc.constantFrom('/run/a.sock', '/run/b.sock').map((path) => ({
    address: path,
    host: path,
    port: 0,
    weight: 1,
    socketPath: path,
  })),
);
const nodesArb = fc.uniqueArray(nodeArb, { minLength: 1, maxLength: 24, selector: (n) => n.address });
const hashingArb = fc.constantFrom<KetamaHashing>('ketama', 'ketama-oaat', 'ketama-md5');

describe('continuum builder', () => {
  it('equals the plain build for random servers, weights, hashings and live subsets', () => {
    fc.assert(
      fc.property(
        nodesArb,
        hashingArb,
        fc.array(fc.boolean(), { maxLength: 24 }),
        (nodes, hashing, alive) => {
          const locator = new KetamaLocator(nodes, { hashing });
          expect(points(locator)).toEqual(expected(nodes, nodes, hashing));
          const live = nodes.filter((_, i) => alive[i] ?? true);
          locator.rebuild(live);
          expect(points(locator)).toEqual(expected(nodes, live, hashing));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('built sliced equals built at once', async () => {
    const nodes = Array.from({ length: 120 }, (_, i) => ({
      address: `10.1.0.${i}:11211`,
      host: `10.1.0.${i}`,
      port: 11211,
      weight: 1 + (i % 3),
    }));
    for (const hashing of ['ketama', 'ketama-oaat', 'ketama-md5'] as const) {
      const live = nodes.filter((_, i) => i % 7 !== 3);
      const sliced = await KetamaLocator.build(nodes, { hashing, live, sliceMs: 0.05 });
      const atOnce = new KetamaLocator(nodes, { hashing });
      atOnce.rebuild(live);
      expect(points(sliced)).toEqual(points(atOnce));
      expect(sliced.locate('some-key')).toEqual(atOnce.locate('some-key'));
    }
  });

  it('orders equal point values by server rank, in small and large buckets', () => {
    // A hash with few distinct values forces ties and buckets far beyond the insertion-sort size.
    for (const distinct of [3, 50, 5000]) {
      // Spread over the whole range: with 5000 values most buckets are small but full of ties.
      const keyHash = (k: KeyInput) => (oneAtATime(k) % distinct) * Math.floor(0xffffffff / distinct);
      const scheme: PointScheme = { weighted: false, keyHash, id: `tiny-${distinct}` };
      const live = Array.from({ length: 9 }, (_, i) => ({
        address: `h${i}:1`,
        host: `h${i}`,
        port: 1,
        weight: 1,
      }));
      const counts = live.map((_, i) => 40 + i * 10);
      const got = runSync(buildContinuum(live, counts, scheme, new PointCache()));
      const flat = Array.from(got.values, (v, i): [number, string] => [v, live[got.owners[i]!]!.address]);
      expect(flat).toEqual(referenceContinuum(live, counts, false, keyHash));
    }
  });

  it('hashes only the servers a change adds, and forgets removed ones', async () => {
    const cache = new PointCache();
    const make = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        address: `n${i}:11211`,
        host: `n${i}`,
        port: 11211,
        weight: 1,
      }));
    const scheme: PointScheme = { weighted: true, keyHash: md5U32, id: 'md5x4' };
    const first = make(50);
    await runSliced(
      buildContinuum(
        first,
        first.map(() => 160),
        scheme,
        cache,
      ),
    );
    const grown = make(51);
    expect(grown.filter((n) => !cache.has(n, 160, scheme)).map((n) => n.address)).toEqual(['n50:11211']);
    await runSliced(
      buildContinuum(
        grown.slice(1),
        grown.slice(1).map(() => 160),
        scheme,
        cache,
      ),
    );
    expect(cache.size).toBe(50);
    expect(cache.has(grown[0]!, 160, scheme)).toBe(false);
  });
});

describe("weighted points: 'exact' for changing clusters", () => {
  const nodes = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      address: `10.9.0.${i}:11211`,
      host: `10.9.0.${i}`,
      port: 11211,
      weight: 1,
    }));
  const owners = (l: KetamaLocator, keys: string[]) => keys.map((k) => l.locate(k)!.address);
  const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}`);

  it('moves no key between unchanged servers through sizes where libmemcached float32 counts 156 points', () => {
    // libmemcached gives 156 points per server at 25 servers, 160 at 24 and 26.
    expect(weightedPointCount(1, 25, 25)).toBe(156);
    for (const [from, to] of [
      [24, 25],
      [25, 26],
      [99, 100],
    ] as const) {
      const before = owners(new KetamaLocator(nodes(from), { points: 'exact' }), keys);
      const after = owners(new KetamaLocator(nodes(to), { points: 'exact' }), keys);
      const added = nodes(to)[to - 1]!.address;
      const between = keys.filter((_, i) => before[i] !== after[i] && after[i] !== added);
      expect(between).toEqual([]);
      // libmemcached's own arithmetic does move keys there (the reason 'exact' exists).
      const lb = owners(new KetamaLocator(nodes(from)), keys);
      const la = owners(new KetamaLocator(nodes(to)), keys);
      expect(keys.filter((_, i) => lb[i] !== la[i] && la[i] !== added).length).toBeGreaterThan(0);
    }
  });

  it('is the libmemcached ring at every size where float32 gives 160 points', () => {
    for (const n of [2, 3, 10, 24, 26]) {
      expect(points(new KetamaLocator(nodes(n), { points: 'exact' }))).toEqual(
        points(new KetamaLocator(nodes(n))),
      );
    }
  });
});
