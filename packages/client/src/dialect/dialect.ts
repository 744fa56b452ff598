/**
 * A `Dialect` is how one server is spoken to: for every kind of command, it
 * builds the exchange that encodes the command and turns its replies into
 * the command's result. Commands (commands/*) ask the dialect of the
 * server's pool and never branch on the protocol, so a new dialect (binary,
 * or one chosen per server by probing) needs no change to them. Dialects are
 * stateless; each `ServerPool` holds its own, so servers of one client may
 * speak differently.
 *
 * Error replies are not the dialect's business: they are mapped in one
 * place, before any exchange sees them (exchanges/reply-route.ts).
 */
import type { MetadumpScope, MetaReplyFlags, MetaValueReply } from '@memkit/protocol';
import type { MetadumpExchange } from '../exchanges/admin';
import type { Exchange } from '../exchanges/exchange';
import type { NearHitSink } from '../exchanges/meta-near';
import type { WireKey } from '../keys';
import type { Serializer } from '../serialization/index';
import type { WriteValue } from '../serialization/write';

/** The single-key retrievals. */
export type RetrievalKind = 'get' | 'gets' | 'gat' | 'gats';

/** The single-key storage commands. */
export type StoreKind = 'set' | 'add' | 'replace' | 'append' | 'prepend' | 'cas';

/** `incr`/`decr` arguments. */
export interface ArithmeticArgs {
  delta: bigint;
  /** Create a missing item holding `initial` (with `exptime`) instead of answering undefined. */
  create?: { initial: bigint; exptime: number };
}

/**
 * Stampede protection for `getOrSet` (meta `N`/`R` flags and win tokens).
 * Dialects without it leave `Dialect.lease` undefined and `getOrSet` falls
 * back to in-process sharing only.
 */
export interface LeaseDialect {
  /**
   * Reads `key` with value, flags and CAS; on a miss the server creates an
   * empty placeholder living `lockExptime` and hands the win to ONE caller;
   * with `recacheSeconds`, the first reader inside that many seconds of
   * expiry also wins. Undefined: a miss with no placeholder (no vivify support).
   */
  get(
    key: WireKey,
    lockExptime: number,
    recacheSeconds: number | undefined,
  ): Exchange<MetaValueReply | undefined>;
  /** Deletes the placeholder only if its CAS is still `cas` (the winner gives up). */
  release(key: WireKey, cas: bigint): Exchange<boolean>;
}

/**
 * What the near cache (client option `nearCache`) needs from a server: reads
 * that tell how hot the item is (meta `h`, `l`) with its CAS and TTL, and a
 * CAS-only check to revalidate an entry. Dialects without it leave
 * `Dialect.near` undefined (the client refuses `nearCache` with them).
 */
export interface NearDialect {
  /** Reads `key` with value, flags, CAS, hit-before, last access and TTL; undefined on a miss. */
  fetch(key: WireKey): Exchange<MetaValueReply | undefined>;
  /** Reads only `key`'s CAS and TTL (no value); undefined on a miss. */
  check(key: WireKey): Exchange<MetaReplyFlags | undefined>;
  /**
   * `fetch` of many keys of one server as one exchange: each hit goes to
   * `sink` with its index (the sink fills `out`); resolves `out`.
   */
  fetchMany<T>(
    command: string,
    wires: readonly string[],
    base64: readonly boolean[] | undefined,
    out: Map<string, T>,
    sink: NearHitSink,
  ): Exchange<Map<string, T>>;
}

/** The wire dialect of one server. */
export interface Dialect {
  /** Name, as the `protocol` option spells it. */
  readonly name: string;
  /**
   * Checks that `key` can be written in this dialect (binary keys need
   * meta); throws `KeyError` (ERR_KEY_INVALID) otherwise. Every builder
   * below checks its keys the same way.
   */
  checkKey(key: WireKey): void;

  /** Single-key read: the value (`{ value, cas }` for gets/gats), undefined on a miss. */
  retrieve(
    kind: RetrievalKind,
    key: WireKey,
    exptime: number | undefined,
    serializer: Serializer,
  ): Exchange<unknown>;
  /**
   * Single-key write: true when stored. `cas` is required for `cas`;
   * `quiet` asks the server to answer only failures (meta `q`); a dialect
   * that cannot do that safely sends the command normally, with the same result.
   */
  store(
    kind: StoreKind,
    key: WireKey,
    value: WriteValue,
    exptime: number,
    cas: bigint | undefined,
    quiet: boolean,
  ): Exchange<boolean>;
  /** True when an item was deleted. */
  delete(key: WireKey): Exchange<boolean>;
  /**
   * The new value, undefined when missing. Returns undefined (no exchange)
   * when `args.create` cannot be done in one round trip in this dialect; the
   * command then runs its documented fallback.
   */
  arithmetic(
    kind: 'incr' | 'decr',
    key: WireKey,
    args: ArithmeticArgs,
  ): Exchange<bigint | undefined> | undefined;
  /** True when the item exists (its TTL is now `exptime`). */
  touch(key: WireKey, exptime: number): Exchange<boolean>;

  /**
   * getMulti / getsMulti of one server: fills `out` with the hits, keyed by
   * `keys[i]` (sent as `wires[i]`); with `withCas` each entry is
   * `{ value, cas }`. No per-key objects on the way: this is the hot path.
   * In the multi-key calls, `base64` (when given) marks the wire keys that
   * are base64 tokens of binary keys (mapped keys, `keyMapping: 'auto'`).
   */
  getMulti<T>(
    command: string,
    wires: readonly string[],
    keys: readonly string[],
    out: Map<string, T>,
    serializer: Serializer,
    withCas: boolean,
    base64: readonly boolean[] | undefined,
  ): Exchange<Map<string, T>>;
  /** setMulti of one server: every `set`; result: the indexes that were not stored, ascending. */
  setMulti(
    wires: readonly string[],
    values: readonly WriteValue[],
    exptime: number,
    base64: readonly boolean[] | undefined,
  ): Exchange<number[]>;
  /** deleteMulti of one server: result: the indexes that were not found, ascending. */
  deleteMulti(wires: readonly string[], base64: readonly boolean[] | undefined): Exchange<number[]>;

  /** `getOrSet` stampede protection, when the dialect has it. */
  readonly lease: LeaseDialect | undefined;
  /** The near cache's reads, when the dialect has them. */
  readonly near: NearDialect | undefined;

  /** `stats [arg]`: name → value. */
  stats(arg: string | undefined): Exchange<Record<string, string>>;
  /** The server's version string. */
  version(): Exchange<string>;
  /** `flush_all [delay]`. */
  flushAll(delaySeconds: number | undefined): Exchange<void>;
  /** Every item's metadata (see `MetadumpExchange` for the scopes); must run on a connection of its own. */
  metadump(scope: MetadumpScope): MetadumpExchange;
}
