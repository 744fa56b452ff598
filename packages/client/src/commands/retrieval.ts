/**
 * Retrieval commands: get, gets, gat, gats (single key). Meta: one `mg`
 * with an opaque; text: `get`/`gets`/`gat`/`gats` with one key.
 */
import { encodeGat, encodeGet, encodeMetaGet, toExptime } from '@memkit/protocol';
import type { Context } from '../context';
import type { CommandOptions } from '../options';
import { MetaGetRequest, nextOpaque } from '../requests/meta';
import { TextGetRequest } from '../requests/text';

/** A value with its CAS unique. */
export interface CasResult<T> {
  /** The stored value, deserialized. */
  value: T;
  /** The item's CAS unique, to pass to `cas()`. */
  cas: bigint;
}

type Kind = 'get' | 'gets' | 'gat' | 'gats';

/** Shared path of the four single-key retrievals. */
export function retrieve(
  ctx: Context,
  kind: Kind,
  key: string | Uint8Array,
  ttlSeconds: number | undefined,
  opts: CommandOptions | undefined,
): Promise<unknown> {
  const k = ctx.key(key);
  const pool = ctx.cluster.poolFor(k.route);
  const withCas = kind === 'gets' || kind === 'gats';
  const exptime = ttlSeconds === undefined ? undefined : toExptime(ttlSeconds);
  if (ctx.meta) {
    const opaque = nextOpaque();
    const line = encodeMetaGet(k.wire, {
      value: true,
      flags: true,
      cas: withCas,
      opaque,
      base64: k.base64,
      ...(exptime === undefined ? {} : { touch: exptime }),
    });
    return ctx.dispatch(pool, new MetaGetRequest(kind, opaque, line, ctx.serializer, withCas), opts);
  }
  const line =
    exptime === undefined ? encodeGet(kind as 'get', [k.wire]) : encodeGat(kind as 'gat', exptime, [k.wire]);
  const req = new TextGetRequest<unknown>(kind, [line], [k.wire], ctx.serializer);
  return ctx.dispatch(pool, req, opts).then((hits) => {
    const hit = hits[0];
    if (!hit) return undefined;
    return withCas ? { value: hit.value, cas: hit.cas } : hit.value;
  });
}
