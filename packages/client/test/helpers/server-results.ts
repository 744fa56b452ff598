/**
 * Reading admin calls' per-server results in tests: the value one server
 * answered, or its error thrown (so a failed server fails the test loudly).
 */
import type { ServerResult } from '../../src/index';

/** The value `server` answered (the only server when not given); throws its error when it failed. */
export function answerOf<T>(results: readonly ServerResult<T>[], server?: string): T {
  const r = server === undefined ? results[0] : results.find((x) => x.server === server);
  if (server === undefined && results.length !== 1)
    throw new Error(`expected one server, got ${results.length}`);
  if (!r) throw new Error(`no result for ${server}`);
  if (!r.ok) throw r.error;
  return r.value;
}
