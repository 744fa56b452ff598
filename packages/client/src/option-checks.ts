/**
 * Small validators shared by the client option table and the per-call
 * option checks. A check returns why a value is refused, as a clause that
 * completes "option X …" ("must be a positive integer, got 1.5"), or
 * `undefined` when the value is fine. Plus the "did you mean" lookup for
 * misspelled option names.
 */

/** Why a value is refused, or undefined when it is accepted. */
export type Check = (value: unknown) => string | undefined;

/** The longest duration a Node timer can wait: a larger delay fires at once (with a warning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A value as it reads in an error message: strings quoted, everything else by type or value. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'bigint') return `${value}n`;
  return String(value);
}

/** A number in `[min, max]` (an integer when `integer`). */
export function numberIn(min: number, max: number, integer: boolean, what: string): Check {
  return (v) => {
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      v < min ||
      v > max ||
      (integer && !Number.isInteger(v))
    ) {
      return `must be ${what}, got ${show(v)}`;
    }
    return undefined;
  };
}

/** A duration in milliseconds, above 0 and within what a timer can wait. */
export const positiveMs = numberIn(
  Number.MIN_VALUE,
  MAX_TIMER_MS,
  false,
  `a number of milliseconds above 0 and at most ${MAX_TIMER_MS}`,
);

/** A duration in milliseconds, 0 allowed. */
export const nonNegativeMs = numberIn(
  0,
  MAX_TIMER_MS,
  false,
  `a number of milliseconds from 0 to ${MAX_TIMER_MS}`,
);

/** An integer from 1 to `max`. */
export function positiveInt(max = Number.MAX_SAFE_INTEGER): Check {
  return numberIn(
    1,
    max,
    true,
    max === Number.MAX_SAFE_INTEGER ? 'a positive integer' : `an integer from 1 to ${max}`,
  );
}

/** One of the given strings. */
export function oneOf(values: readonly string[]): Check {
  return (v) =>
    typeof v === 'string' && values.includes(v)
      ? undefined
      : `must be one of ${values.map((s) => `'${s}'`).join(', ')}, got ${show(v)}`;
}

export const isBoolean: Check = (v) =>
  typeof v === 'boolean' ? undefined : `must be true or false, got ${show(v)}`;

export const isString: Check = (v) =>
  typeof v === 'string' ? undefined : `must be a string, got ${show(v)}`;

/** A plain object (not null, not an array, not a function). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The first own property of `obj` not in `known`, as a clause naming the
 * closest known one; undefined when every name is known.
 */
export function unknownName(obj: Record<string, unknown>, known: readonly string[]): string | undefined {
  for (const name of Object.keys(obj)) {
    if (!known.includes(name))
      return `unknown option ${show(name)} (did you mean ${show(closest(name, known))}?)`;
  }
  return undefined;
}

/** The candidate with the smallest edit distance to `name` (case-insensitive, transpositions count 1). */
export function closest(name: string, candidates: readonly string[]): string {
  let best = candidates[0] ?? '';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}
