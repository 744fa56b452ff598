/**
 * The seeded PRNG of tests and benchmarks. Its own entry point, `@memkit/testing/prng`, loads
 * nothing else (no vitest, no fast-check), so benchmark processes can use it too.
 */

/**
 * mulberry32: a tiny, fast, seeded PRNG returning floats in [0, 1). The same seed gives the same
 * sequence on every machine and run. Not for crypto.
 */
export function createPrng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
