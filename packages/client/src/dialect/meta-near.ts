/**
 * The near cache's reads in the meta protocol: `mg` with `h` (hit before)
 * and `l` (seconds since last access), which its admission rule reads, plus
 * `c` and `t`; and `mg <key> c t`, a revalidation that costs no value bytes.
 */
import { encodeMetaGet } from '@memkit/protocol';
import { MetaReplyExchange } from '../exchanges/meta';
import { MetaCasExchange, MetaNearMultiGetExchange } from '../exchanges/meta-near';
import { nextOpaque } from '../exchanges/opaque';
import type { NearDialect } from './dialect';

export const metaNear: NearDialect = {
  fetch(key) {
    const opaque = nextOpaque();
    const line = encodeMetaGet(key.wire, {
      value: true,
      flags: true,
      cas: true,
      ttl: true,
      hit: true,
      lastAccess: true,
      opaque,
      base64: key.base64,
    });
    return new MetaReplyExchange('get', opaque, [line]);
  },

  check(key) {
    const opaque = nextOpaque();
    const line = encodeMetaGet(key.wire, { cas: true, ttl: true, opaque, base64: key.base64 });
    return new MetaCasExchange('get', opaque, [line]);
  },

  fetchMany(command, wires, base64, out, sink) {
    return MetaNearMultiGetExchange.of(command, wires, base64, out, sink);
  },
};
