/**
 * Storage commands: set, add, replace, append, prepend, cas. Meta: one `ms`
 * with a mode (`E` add, `R` replace, `A` append, `P` prepend) and `C` for
 * compare-and-swap; text: the classic commands. Values go through the
 * serializer and are size-checked before sending, because memcached deletes
 * the existing item when a too-large set arrives.
 */
import {
  encodeCas,
  encodeMetaSet,
  encodeStore,
  MemkitError,
  type MetaSetOptions,
  toExptime,
} from '@memkit/protocol';
import type { Context } from '../context';
import type { CommandOptions } from '../options';
import {
  batchOpaque,
  MetaMultiStatusRequest,
  MetaStatusRequest,
  nextOpaque,
  reserveOpaques,
} from '../requests/meta';
import { TextStatusRequest } from '../requests/text';
import type { SerializedValue } from '../serialization/index';

/** Options of storage commands. */
export interface SetOptions extends CommandOptions {
  /** Time to live in seconds; 0 or absent = no expiry; > 30 days is sent as an absolute time. */
  ttl?: number;
  /**
   * Fire-and-forget (meta protocol): sent with the quiet flag, so memcached
   * only answers failures. Past argument checks (key, size) the promise never
   * rejects: it resolves `false` when
   * the item was not stored or the command failed (the error goes to the
   * `memkit:command:error` diagnostics channel), so it is safe not to await it.
   * With `protocol: 'text'` the command is sent normally (text `noreply`
   * would desync the stream on errors) but still never rejects.
   */
  noreply?: boolean;
}

export type StoreKind = 'set' | 'add' | 'replace' | 'append' | 'prepend' | 'cas';

const META_MODE: Record<StoreKind, MetaSetOptions['mode']> = {
  set: undefined,
  add: 'E',
  replace: 'R',
  append: 'A',
  prepend: 'P',
  cas: undefined,
};

const TEXT_RESULTS = { STORED: true, NOT_STORED: false, EXISTS: false, NOT_FOUND: false } as const;

/** Serializes and checks the size limit. */
export function serializeValue(ctx: Context, value: unknown, key: string | Uint8Array): SerializedValue {
  const s = ctx.serializer.serialize(value);
  if (s.bytes.length > ctx.options.maxValueSize) {
    throw new MemkitError(
      'ERR_VALUE_TOO_LARGE',
      `value for key ${describeKey(key)} is ${s.bytes.length} bytes, over maxValueSize ${ctx.options.maxValueSize}`,
      { command: 'set' },
    );
  }
  return s;
}

/** Shared path of every single-key storage command. Resolves true when stored. */
export function store(
  ctx: Context,
  kind: StoreKind,
  key: string | Uint8Array,
  value: unknown,
  cas: bigint | undefined,
  opts: SetOptions | undefined,
): Promise<boolean> {
  const k = ctx.key(key);
  const { bytes, flags } = serializeValue(ctx, value, key);
  const exptime = toExptime(opts?.ttl ?? 0);
  const pool = ctx.cluster.poolFor(k.route);
  if (ctx.meta) {
    const opaque = nextOpaque();
    const o: MetaSetOptions = { flags, ttl: exptime, opaque, base64: k.base64 };
    const mode = META_MODE[kind];
    if (mode) o.mode = mode;
    if (cas !== undefined) o.cas = cas;
    if (opts?.noreply) {
      o.quiet = true;
      const base = reserveOpaques(1);
      o.opaque = batchOpaque(base, 0);
      const req = new MetaMultiStatusRequest(kind, encodeMetaSet(k.wire, bytes, o), 1, base);
      return quietly(ctx.dispatch(pool, req, opts).then((failed) => failed.length === 0));
    }
    return ctx.dispatch(pool, new MetaStatusRequest(kind, opaque, encodeMetaSet(k.wire, bytes, o)), opts);
  }
  const chunks =
    kind === 'cas'
      ? encodeCas(k.wire, bytes, flags, exptime, cas ?? 0n)
      : encodeStore(kind, k.wire, bytes, flags, exptime);
  const req = new TextStatusRequest<boolean>(kind, chunks, 1, TEXT_RESULTS);
  const done = ctx.dispatch(pool, req, opts).then((r) => r[0] === true);
  return opts?.noreply ? quietly(done) : done;
}

/** noreply: failures resolve `false` (they are already published on the diagnostics channel). */
function quietly(p: Promise<boolean>): Promise<boolean> {
  return p.catch(() => false);
}

/** A key for messages: escaped and truncated, never raw control bytes. */
export function describeKey(key: string | Uint8Array): string {
  const s = typeof key === 'string' ? key : `<${key.length} bytes>`;
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}
