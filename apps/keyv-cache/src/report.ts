/**
 * The artificially slow data source the app caches: a "report" that takes
 * `delayMs` to build, as a slow database query or upstream API would.
 */

/** What the slow endpoint returns. */
export interface Report {
  id: string;
  /** The request's query string (without `?`), part of what was asked for. */
  query: string;
  /** When this copy was built: stays the same while it is served from the cache. */
  builtAt: string;
  /** Some deterministic numbers, so the payload is not trivial. */
  totals: number[];
}

/** Builds report `id` for `query` after `delayMs` of pretend work. */
export async function buildReport(id: string, query: string, delayMs: number): Promise<Report> {
  await new Promise((r) => setTimeout(r, delayMs));
  let seed = [...`${id}?${query}`].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  const totals = Array.from({ length: 5 }, () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % 1000;
  });
  return { id, query, builtAt: new Date().toISOString(), totals };
}
