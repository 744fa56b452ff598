/**
 * Command-line tokenizing as memcached does it: only the space character
 * separates tokens (tabs belong to tokens), and at most 23 tokens are seen by
 * a command (`MAX_TOKENS` = 24 counting the terminator), which is what makes
 * over-long commands answer `ERROR`.
 */

/** memcached's token array size, terminator included. */
const MAX_TOKENS = 24;

/** A tokenized command line. */
export interface Tokens {
  /** Every token on the line, in order. */
  all: string[];
  /**
   * memcached's `ntokens`: tokens it sees plus one terminator, at most 24.
   * Argument-count checks are written against this number.
   */
  n: number;
}

/** Splits a command line (CR/LF already stripped) on spaces. */
export function tokenize(line: string): Tokens {
  const parts = line.split(' ');
  // The common case has single spaces only; otherwise drop the empty pieces runs of spaces leave.
  const all =
    line.includes('  ') || line[0] === ' ' || line.endsWith(' ') ? parts.filter((p) => p !== '') : parts;
  if (all.length === 1 && all[0] === '') all.pop();
  return { all, n: Math.min(all.length, MAX_TOKENS - 1) + 1 };
}

/** memcached's `set_noreply_maybe`: is the last token it sees `noreply`? */
export function hasNoreply(t: Tokens): boolean {
  return t.all[t.n - 2] === 'noreply';
}
