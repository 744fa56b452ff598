/**
 * Server failures in the adapter's multi-key calls, mapped to Keyv's
 * conventions. The client rejects a multi-key call whose servers partly
 * failed with ERR_PARTIAL_FAILURE (`.partial`, `.failures`). The adapter
 * keeps what the live servers answered and reports the rest:
 *
 * - some keys failed: it emits `'error'` with a `PartialFailureError` whose
 *   `partial` is what the method returns and whose `failures` name Keyv's
 *   keys, and returns that result (a failed key reads as `undefined`, writes
 *   and deletes as `false`). Keyv listens to its store's `'error'` and
 *   re-emits it. With no `'error'` listener at all, the error is thrown
 *   instead, so a failure is never silent.
 * - every key failed: the call rejects with the first underlying error, like
 *   a single-key call (Keyv 6 then emits it and answers false/undefined).
 */
import type { EventEmitter } from 'node:events';
import {
  isPartialFailure,
  type KeyFailure,
  type MemkitError,
  PartialFailureError,
  type ServerResult,
} from '@memkit/client';

/** Keys of one batch that failed together, by their position in the batch. */
export interface IndexedFailure {
  server: string;
  indexes: number[];
  error: MemkitError;
}

/** A batch's answer for the keys that were served, and the positions of those that were not. */
export interface Tolerated<T> {
  value: T;
  failures: IndexedFailure[];
}

/**
 * Awaits a multi-key call over `keys`; a partial failure resolves with its
 * `partial` and the failed positions. Any other rejection (every server
 * failed, bad arguments) rejects.
 */
export async function tolerate<T>(call: Promise<T>, keys: readonly string[]): Promise<Tolerated<T>> {
  try {
    return { value: await call, failures: [] };
  } catch (err) {
    if (!isPartialFailure<T>(err)) throw err;
    return { value: err.partial, failures: err.failures.map((f) => indexed(f, keys)) };
  }
}

/** A failure's keys as positions in `keys` (every position of a repeated key). */
function indexed(f: KeyFailure, keys: readonly string[]): IndexedFailure {
  const failed = new Set(f.keys);
  const indexes: number[] = [];
  keys.forEach((k, i) => {
    if (failed.has(k)) indexes.push(i);
  });
  return { server: f.server, indexes, error: f.error };
}

/** Failures of a sub-batch, re-indexed to the whole call through `positions`. */
export function reindex(failures: readonly IndexedFailure[], positions: readonly number[]): IndexedFailure[] {
  return failures.map((f) => ({ ...f, indexes: f.indexes.map((i) => positions[i]!) }));
}

/** The positions that failed. */
export function failedPositions(failures: readonly IndexedFailure[]): Set<number> {
  return new Set(failures.flatMap((f) => f.indexes));
}

/**
 * Reports the failures of one adapter call over Keyv's `keys` (see the
 * module comment); returns `result` when the call may resolve with it.
 */
export function report<T>(
  store: EventEmitter,
  method: string,
  keys: readonly string[],
  result: T,
  failures: readonly IndexedFailure[],
): T {
  if (failures.length === 0) return result;
  const sorted = [...failures].sort((a, b) => Math.min(...a.indexes) - Math.min(...b.indexes));
  if (failedPositions(sorted).size >= keys.length) throw sorted[0]!.error;
  const err = new PartialFailureError(
    method,
    result,
    sorted.map((f) => ({
      server: f.server,
      keys: [...new Set(f.indexes.map((i) => keys[i]!))],
      error: f.error,
    })),
  );
  if (store.listenerCount('error') === 0) throw err;
  store.emit('error', err);
  return result;
}

/**
 * Reports the failed servers of an admin call the adapter runs over the
 * whole cluster (the iterator's key listing): every server failed rejects;
 * some failed emits a PartialFailureError naming them (no keys: they could
 * not be listed), or throws it when nobody listens. Returns the answers.
 */
export function reportServers<T>(
  store: EventEmitter,
  method: string,
  results: readonly ServerResult<T>[],
): T[] {
  const values: T[] = [];
  const failures: KeyFailure[] = [];
  for (const r of results) {
    if (r.ok) values.push(r.value);
    else failures.push({ server: r.server, keys: [], error: r.error });
  }
  if (failures.length === 0) return values;
  if (values.length === 0) throw failures[0]!.error;
  const err = new PartialFailureError(method, values, failures);
  if (store.listenerCount('error') === 0) throw err;
  store.emit('error', err);
  return values;
}
