/**
 * The meta protocol (memcached >= 1.6): every command carries an opaque
 * token its reply must echo, binary keys travel base64 with the `b` flag,
 * multi-key writes are quiet batches closed by `mn`, `incr` can create its
 * item in the same round trip (`N`/`J`), and `getOrSet` gets server-side
 * stampede protection (`N`/`R` and win tokens). Multi-key gets and the
 * server-level commands are the text ones (see `textShared`).
 */
import {
  encodeMetaArithmetic,
  encodeMetaDelete,
  encodeMetaGet,
  encodeMetaSet,
  type MetaGetOptions,
  type MetaSetOptions,
} from '@memkit/protocol';
import {
  MetaArithmeticExchange,
  MetaBatchStatusExchange,
  MetaGetExchange,
  MetaQuietExchange,
  MetaReplyExchange,
  MetaStatusExchange,
} from '../exchanges/meta';
import { MetaMultiGetExchange } from '../exchanges/meta-multi-get';
import { batchOpaque, nextOpaque, reserveOpaques } from '../exchanges/opaque';
import type { WireKey } from '../keys';
import { dataOf } from '../serialization/write';
import type { Dialect, LeaseDialect, StoreKind } from './dialect';
import { metaNear } from './meta-near';
import { textShared } from './text';

const MODES: Record<StoreKind, MetaSetOptions['mode']> = {
  set: undefined,
  add: 'E',
  replace: 'R',
  append: 'A',
  prepend: 'P',
  cas: undefined,
};

/** `mg` flags that read the value, its flags and (with `cas`) its CAS unique. */
function valueGet(key: WireKey, opaque: string, cas: boolean): MetaGetOptions {
  return { value: true, flags: true, cas, opaque, base64: key.base64 };
}

const lease: LeaseDialect = {
  get(key, lockExptime, recacheSeconds) {
    const opaque = nextOpaque();
    const o = valueGet(key, opaque, true);
    o.vivify = lockExptime;
    if (recacheSeconds !== undefined) o.recache = recacheSeconds;
    return new MetaReplyExchange('getOrSet', opaque, [encodeMetaGet(key.wire, o)]);
  },
  release(key, cas) {
    const opaque = nextOpaque();
    const line = encodeMetaDelete(key.wire, { cas, opaque, base64: key.base64 });
    return new MetaStatusExchange('getOrSet', opaque, [line]);
  },
};

export const metaDialect: Dialect = {
  name: 'meta',
  ...textShared,
  lease,
  near: metaNear,

  getMulti(command, wires, keys, out, serializer, withCas, base64) {
    // Text `get` lines are cheaper for memcached, but cannot carry binary keys.
    if (!base64) return textShared.getMulti(command, wires, keys, out, serializer, withCas, undefined);
    return MetaMultiGetExchange.of(command, wires, base64, keys, out, serializer, withCas);
  },

  checkKey() {
    // Both string keys (validated by the encoders) and base64 binary keys can be written.
  },

  retrieve(kind, key, exptime, serializer) {
    const withCas = kind === 'gets' || kind === 'gats';
    const opaque = nextOpaque();
    const o = valueGet(key, opaque, withCas);
    if (exptime !== undefined) o.touch = exptime;
    return new MetaGetExchange(kind, opaque, encodeMetaGet(key.wire, o), serializer, withCas);
  },

  store(kind, key, value, exptime, cas, quiet) {
    const o: MetaSetOptions = { flags: value.flags, ttl: exptime, base64: key.base64 };
    const mode = MODES[kind];
    if (mode) o.mode = mode;
    if (cas !== undefined) o.cas = cas;
    if (quiet) {
      // A quiet command is answered only on failure, so it is closed by `mn` like a batch of one.
      const base = reserveOpaques(1);
      o.quiet = true;
      o.opaque = batchOpaque(base, 0);
      return new MetaQuietExchange(kind, encodeMetaSet(key.wire, dataOf(value), o), 1, base);
    }
    const opaque = nextOpaque();
    o.opaque = opaque;
    return new MetaStatusExchange(kind, opaque, encodeMetaSet(key.wire, dataOf(value), o));
  },

  delete(key) {
    const opaque = nextOpaque();
    const line = encodeMetaDelete(key.wire, { opaque, base64: key.base64 });
    return new MetaStatusExchange('delete', opaque, [line]);
  },

  arithmetic(kind, key, { delta, create }) {
    const opaque = nextOpaque();
    const line = encodeMetaArithmetic(key.wire, {
      mode: kind === 'incr' ? 'I' : 'D',
      delta,
      value: true,
      opaque,
      base64: key.base64,
      ...(create ? { vivify: create.exptime, initial: create.initial } : {}),
    });
    return new MetaArithmeticExchange(kind, opaque, [line]);
  },

  touch(key, exptime) {
    const opaque = nextOpaque();
    const line = encodeMetaGet(key.wire, { touch: exptime, opaque, base64: key.base64 });
    return new MetaStatusExchange('touch', opaque, [line]);
  },

  setMulti(wires, values, exptime, base64) {
    const base = reserveOpaques(wires.length);
    const chunks = wires.flatMap((wire, i) => {
      const v = values[i]!;
      const opaque = batchOpaque(base, i);
      const b64 = base64?.[i] === true;
      return encodeMetaSet(wire, dataOf(v), {
        flags: v.flags,
        ttl: exptime,
        quiet: true,
        opaque,
        base64: b64,
      });
    });
    return new MetaBatchStatusExchange('setMulti', chunks, wires.length, base);
  },

  deleteMulti(wires, base64) {
    const base = reserveOpaques(wires.length);
    const chunks = wires.map((wire, i) =>
      encodeMetaDelete(wire, { quiet: true, opaque: batchOpaque(base, i), base64: base64?.[i] === true }),
    );
    return new MetaBatchStatusExchange('deleteMulti', chunks, wires.length, base);
  },
};
