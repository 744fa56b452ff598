/**
 * Opaque tokens of meta commands: the decimal form of one counter shared by
 * every meta exchange. Single commands take one number, batches a
 * consecutive range. A token is never reused while the previous holder
 * could still be in flight (2^31 exchanges later), so a stale reply (the
 * stream shifted by one) can never match a later exchange's token.
 */

/** Largest counter value; its decimal form (10 digits) is far below the 32-byte token limit. */
const COUNTER_MAX = 0x7fffffff;
let counter = 0;

/** A short opaque token, unique among the exchanges in flight. */
export function nextOpaque(): string {
  counter = counter >= COUNTER_MAX ? 1 : counter + 1;
  return String(counter);
}

/**
 * Reserves `count` consecutive opaque numbers for a batch and returns the
 * first; item `i` sends `batchOpaque(base, i)`. A range never wraps, so the
 * numbers of one batch are always `base … base + count - 1`.
 */
export function reserveOpaques(count: number): number {
  if (counter + count > COUNTER_MAX) counter = 0;
  const base = counter + 1;
  counter += count;
  return base;
}

/** The opaque token of item `i` of a batch whose reserved range starts at `base`. */
export function batchOpaque(base: number, i: number): string {
  return String(base + i);
}

/**
 * Parses a token written by `batchOpaque` (canonical decimal, no leading
 * zero); -1 for anything else, so a foreign or garbled token can never be
 * taken for an item of a batch. No allocation.
 */
export function parseOpaque(token: string): number {
  const len = token.length;
  if (len === 0 || len > 10 || (len > 1 && token.charCodeAt(0) === 0x30)) return -1;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const d = token.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n > COUNTER_MAX ? -1 : n;
}
