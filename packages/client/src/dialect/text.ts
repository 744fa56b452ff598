/**
 * The classic text protocol, which every memcached speaks. No opaque tokens:
 * text exchanges count their replies and check every word. Binary keys
 * cannot be written (text keys are the bytes on the line). `getOrSet` has no
 * stampede protection here, and `incr` with `initial` takes the fallback of
 * commands/arithmetic.ts.
 */
import {
  encodeCas,
  encodeDelete,
  encodeFlushAll,
  encodeGat,
  encodeGet,
  encodeIncrDecr,
  encodeStats,
  encodeStore,
  encodeTouch,
  encodeVersion,
  KeyError,
} from '@memkit/protocol';
import { MetadumpExchange, OkExchange, StatsExchange, VersionExchange } from '../exchanges/admin';
import {
  type StatusMap,
  TextArithmeticExchange,
  TextBatchStatusExchange,
  TextGetExchange,
  TextMultiGetExchange,
  TextStatusExchange,
} from '../exchanges/text';
import type { WireKey } from '../keys';
import { dataOf } from '../serialization/write';
import type { Dialect } from './dialect';

const STORE_RESULTS: StatusMap = { STORED: true, NOT_STORED: false, EXISTS: false, NOT_FOUND: false };
const DELETE_RESULTS: StatusMap = { DELETED: true, NOT_FOUND: false };
const TOUCH_RESULTS: StatusMap = { TOUCHED: true, NOT_FOUND: false };

/** Text `get` lines carry at most this many keys, to stay far below server line limits. */
const KEYS_PER_LINE = 100;

/** The key as a text token; binary keys cannot be one. */
function textKey(key: WireKey): string {
  if (key.base64) {
    throw new KeyError(
      "binary keys need the meta protocol (protocol: 'meta'); the text protocol cannot carry them",
    );
  }
  return key.wire;
}

/** Refuses a multi-key share holding binary wire keys (mapped keys need the meta protocol). */
function textKeys(base64: readonly boolean[] | undefined): void {
  if (base64?.includes(true)) textKey({ wire: '', base64: true, route: '' });
}

/** `get`/`gets` lines of at most KEYS_PER_LINE keys each (validating every key). */
function getLines(command: 'get' | 'gets', wires: readonly string[]): string[] {
  if (wires.length <= KEYS_PER_LINE) return [encodeGet(command, wires)];
  const lines: string[] = [];
  for (let i = 0; i < wires.length; i += KEYS_PER_LINE) {
    lines.push(encodeGet(command, wires.slice(i, i + KEYS_PER_LINE)));
  }
  return lines;
}

/**
 * The text parts every text-speaking dialect shares: the multi-key gets
 * (cheaper for memcached than the same keys as meta commands, measured in
 * bench/RESULTS.md) and the server-level commands.
 */
export const textShared = {
  getMulti<T>(
    command: string,
    wires: readonly string[],
    keys: readonly string[],
    out: Map<string, T>,
    serializer: Parameters<Dialect['getMulti']>[4],
    withCas: boolean,
    base64: readonly boolean[] | undefined,
  ) {
    textKeys(base64);
    const lines = getLines(withCas ? 'gets' : 'get', wires);
    return new TextMultiGetExchange<T>(command, lines, wires, keys, out, serializer, withCas);
  },
  stats: (arg: string | undefined) => new StatsExchange(encodeStats(arg)),
  version: () => new VersionExchange(encodeVersion()),
  flushAll: (delaySeconds: number | undefined) => new OkExchange('flush_all', encodeFlushAll(delaySeconds)),
  metadump: (scope) => new MetadumpExchange(scope),
} satisfies Partial<Dialect>;

export const textDialect: Dialect = {
  name: 'text',
  ...textShared,
  lease: undefined,
  near: undefined,

  checkKey(key) {
    textKey(key);
  },

  retrieve(kind, key, exptime, serializer) {
    const wire = textKey(key);
    const line =
      exptime === undefined
        ? encodeGet(kind === 'gets' ? 'gets' : 'get', [wire])
        : encodeGat(kind === 'gats' ? 'gats' : 'gat', exptime, [wire]);
    return new TextGetExchange(kind, line, wire, serializer, kind === 'gets' || kind === 'gats');
  },

  store(kind, key, value, exptime, cas) {
    const wire = textKey(key);
    const chunks =
      kind === 'cas'
        ? encodeCas(wire, dataOf(value), value.flags, exptime, cas ?? 0n)
        : encodeStore(kind, wire, dataOf(value), value.flags, exptime);
    // No text `noreply`: a failure reply to it would shift every later reply by one.
    return new TextStatusExchange(kind, chunks, STORE_RESULTS);
  },

  delete(key) {
    return new TextStatusExchange('delete', [encodeDelete(textKey(key))], DELETE_RESULTS);
  },

  arithmetic(kind, key, { delta, create }) {
    if (create) return undefined;
    return new TextArithmeticExchange(kind, encodeIncrDecr(kind, textKey(key), delta));
  },

  touch(key, exptime) {
    return new TextStatusExchange('touch', [encodeTouch(textKey(key), exptime)], TOUCH_RESULTS);
  },

  setMulti(wires, values, exptime, base64) {
    textKeys(base64);
    const chunks = wires.flatMap((wire, i) => {
      const v = values[i]!;
      return encodeStore('set', wire, dataOf(v), v.flags, exptime);
    });
    return new TextBatchStatusExchange('setMulti', chunks, wires.length, STORE_RESULTS);
  },

  deleteMulti(wires, base64) {
    textKeys(base64);
    const chunks = wires.map((wire) => encodeDelete(wire));
    return new TextBatchStatusExchange('deleteMulti', chunks, wires.length, DELETE_RESULTS);
  },
};
