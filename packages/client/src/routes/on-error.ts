/**
 * `onError: 'miss'`: a call that failed because a server or the network
 * failed (see outage.ts) resolves as a cache miss instead of rejecting, and
 * the error is reported on the side (the `failure` event and the
 * `memkit:call:failure` channel), as memcached's own advice goes: proceed as
 * though it was a cache miss.
 *
 * What each call resolves with then:
 * - `get`, `gets`, `gat`, `gats`, `incr`, `decr`: `undefined`;
 * - `set`, `add`, `replace`, `append`, `prepend`, `cas`, `delete`, `touch`: `false`;
 * - `getMulti`, `getsMulti`: the hits of the servers that answered (the
 *   failed keys are absent, like misses);
 * - `setMulti`, `deleteMulti`: the keys not stored / not found, plus the
 *   keys of the servers that failed (in call order): the caller asked to
 *   treat them as not written;
 * - `getOrSet`: the loader's value (a failed read is a miss, a failed store
 *   is ignored; see get-or-set.ts).
 *
 * Anything else still rejects: bad input (an invalid key, a value too
 * large, invalid options), an aborted call, a closed client, a loader's or a
 * serializer's own error. The admin calls (`stats`, `version`, `flushAll`,
 * `metadump`) already resolve a result per server, and `rawCommand` names
 * its server, so they are not changed.
 */
import type { EventEmitter } from 'node:events';
import type { MemkitError } from '@memkit/protocol';
import { channels } from '../diagnostics';
import { isPartialFailure } from '../partial';
import { isOutage } from './outage';

/** The `failure` event and `memkit:call:failure` message: a failure that `onError: 'miss'` turned into a miss. */
export interface FailureMessage {
  /** The client method, e.g. `'get'` or `'setMulti'`. */
  method: string;
  /** The server that failed, when one is known ('' when none could be named). */
  server: string;
  /** The keys concerned (as the caller gave them; empty for a `Uint8Array` key). */
  keys: string[];
  /** What failed. */
  error: MemkitError;
  /** In plain words, for logs. */
  message: string;
}

type MissValue = 'undefined' | 'false' | 'hits' | 'keys';

/** What each call resolves with when it fails on an outage (calls not listed keep rejecting). */
const MISS: Readonly<Record<string, MissValue>> = {
  get: 'undefined',
  gets: 'undefined',
  gat: 'undefined',
  gats: 'undefined',
  incr: 'undefined',
  decr: 'undefined',
  set: 'false',
  add: 'false',
  replace: 'false',
  append: 'false',
  prepend: 'false',
  cas: 'false',
  delete: 'false',
  touch: 'false',
  getMulti: 'hits',
  getsMulti: 'hits',
  setMulti: 'keys',
  deleteMulti: 'keys',
};

/** Publishes `message` on `memkit:call:failure` and emits it as `failure` on `emitter`. */
export function reportFailure(emitter: EventEmitter, message: FailureMessage): void {
  if (channels.failure.hasSubscribers) channels.failure.publish(message);
  emitter.emit('failure', message);
}

/** A failure message for `method` on `keys`. */
export function failureMessage(
  method: string,
  server: string,
  keys: string[],
  error: MemkitError,
): FailureMessage {
  const where = server === '' ? '' : ` on ${server}`;
  const what =
    keys.length === 1 ? ` ${JSON.stringify(keys[0])}` : keys.length > 1 ? ` (${keys.length} keys)` : '';
  return {
    method,
    server,
    keys,
    error,
    message: `${method}${what} failed${where} (${error.code}: ${error.message}); answered as a miss (onError: 'miss')`,
  };
}

/**
 * `call` with outages answered as misses (see the module comment). `keys`:
 * the keys of the call (the key of a single-key call, every key of a
 * multi-key one), for the report and for `setMulti`/`deleteMulti`'s list.
 */
export function missOnOutage<T>(
  call: Promise<T>,
  method: string,
  keys: () => readonly string[],
  emitter: EventEmitter,
): Promise<T> {
  const kind = MISS[method];
  if (kind === undefined) return call;
  return call.catch((err: unknown) => {
    const value = missValue(kind, method, err, keys, emitter);
    if (value === REJECT) throw err;
    return value as T;
  });
}

const REJECT = Symbol('reject');

function missValue(
  kind: MissValue,
  method: string,
  err: unknown,
  keys: () => readonly string[],
  emitter: EventEmitter,
): unknown {
  if (isPartialFailure(err)) {
    // Every failed server must have failed on an outage; a serializer's error still rejects.
    if (!err.failures.every((f) => isOutage(f.error))) return REJECT;
    for (const f of err.failures) reportFailure(emitter, failureMessage(method, f.server, f.keys, f.error));
    if (kind === 'hits') return err.partial;
    // A single-key call with too few copies answering (replicas): not stored, or no value.
    if (kind === 'false') return false;
    if (kind === 'undefined') return undefined;
    const failed = new Set(err.failures.flatMap((f) => f.keys));
    const listed = new Set(err.partial as string[]);
    return keys().filter((k) => listed.has(k) || failed.has(k));
  }
  if (!isOutage(err)) return REJECT;
  const all = keys();
  reportFailure(emitter, failureMessage(method, err.server ?? '', [...all], err));
  switch (kind) {
    case 'undefined':
      return undefined;
    case 'false':
      return false;
    case 'hits':
      return new Map();
    case 'keys':
      return [...all];
  }
}
