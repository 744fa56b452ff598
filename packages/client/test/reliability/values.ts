/**
 * Values derived from their keys, so a reply handed to the wrong caller is detectable: every
 * stored string names its key and carries a padding whose length its variant determines, and
 * every counter lives in a numeric range that names its key. `classify*` tell a correct value
 * from another key's value ("foreign") and from bytes that belong to no key ("corrupt").
 *
 * Runs under vitest and under Node's type stripping (scripts/soak.mjs): no TS-only runtime syntax.
 */

/** Outcome of checking a value against the key it was asked for. */
export type Verdict = 'ok' | 'foreign' | 'corrupt';

/** Data keys are `d:<i>`. */
export function dataKey(i: number): string {
  return `d:${i}`;
}

/** Counter keys are `c:<j>`. */
export function counterKey(j: number): string {
  return `c:${j}`;
}

/** Each counter owns [j * SPAN, (j + 1) * SPAN); incrs never leave it during a run. */
export const COUNTER_SPAN = 1_000_000_000_000n;

/** The start value of counter `j` (a safe integer, so the default serializer stores it as digits). */
export function counterBase(j: number): number {
  return j * Number(COUNTER_SPAN);
}

/** Padding length of a variant: mostly small, one in 16 spans several TCP chunks. */
function padLength(variant: number): number {
  return variant % 16 === 0 ? 20_000 + (variant % 40_000) : variant % 300;
}

/** The value stored under `key` for `variant`: `key|variant|` + padding. */
export function valueFor(key: string, variant: number): string {
  return `${key}|${variant}|${'x'.repeat(padLength(variant))}`;
}

/** Checks a data value read for `key`. */
export function classifyValue(key: string, value: unknown): Verdict {
  if (typeof value !== 'string') return 'corrupt';
  const a = value.indexOf('|');
  const b = a < 0 ? -1 : value.indexOf('|', a + 1);
  if (b < 0) return 'corrupt';
  const owner = value.slice(0, a);
  const variant = Number(value.slice(a + 1, b));
  const wellFormed =
    /^d:\d+$/.test(owner) &&
    Number.isSafeInteger(variant) &&
    value.length - b - 1 === padLength(variant) &&
    /^x*$/.test(value.slice(b + 1));
  if (!wellFormed) return 'corrupt';
  return owner === key ? 'ok' : 'foreign';
}

/** Checks an incr result for counter `j` of `counters`. */
export function classifyCounter(j: number, counters: number, value: bigint): Verdict {
  const owner = value / COUNTER_SPAN;
  if (owner === BigInt(j)) return 'ok';
  return owner >= 0n && owner < BigInt(counters) ? 'foreign' : 'corrupt';
}
