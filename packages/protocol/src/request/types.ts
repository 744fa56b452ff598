/**
 * The request items the server-side `RequestDecoder` yields: one typed item
 * per command (with its data block for storage commands), or a `BadRequest`
 * carrying the exact error line memcached 1.6 would answer.
 *
 * Keys are `latin1` strings: one character per byte, so binary keys survive
 * the round trip (`Buffer.from(key, 'latin1')` gives the bytes back).
 * Exptimes are the raw signed 32-bit numbers the client sent; turning them
 * into a deadline (relative vs absolute, negative = expired) needs a clock,
 * so it is the server's job.
 */
import type { Buffer } from 'node:buffer';

/** The classic storage commands. */
export type StorageCommand = 'set' | 'add' | 'replace' | 'append' | 'prepend' | 'cas';

/** `set|add|replace|append|prepend <key> <flags> <exptime> <bytes> [noreply]` / `cas … <cas unique>` + data. */
export interface StorageRequest {
  /** Discriminant of the `Request` union. */
  type: 'storage';
  /** Which storage command it is. */
  command: StorageCommand;
  /** The key, one `latin1` character per byte. */
  key: string;
  /** Client flags, 32-bit unsigned. */
  flags: number;
  /** Signed 32-bit exptime as sent. */
  exptime: number;
  /** The compare value of `cas`; `0n` for the other commands. */
  cas: bigint;
  /** `noreply` was given: the server must not answer. */
  noreply: boolean;
  /** The data block: a zero-copy view into the fed chunk when it arrived whole. Copy it to keep it. */
  value: Buffer;
}

/** `get|gets <key>*`, `gat|gats <exptime> <key>*` (and the ancient `bget`, reported as `get`). */
export interface RetrievalRequest {
  /** Discriminant of the `Request` union. */
  type: 'retrieval';
  /** Which retrieval command it is (`bget` is reported as `get`). */
  command: 'get' | 'gets' | 'gat' | 'gats';
  /** The requested keys, in request order, one `latin1` character per byte. */
  keys: string[];
  /** Signed 32-bit exptime of `gat`/`gats`; 0 for `get`/`gets`. */
  exptime: number;
}

/** `delete <key> [0] [noreply]`. */
export interface DeleteRequest {
  /** Discriminant of the `Request` union. */
  type: 'delete';
  /** The key, one `latin1` character per byte. */
  key: string;
  /** `noreply` was given: the server must not answer. */
  noreply: boolean;
}

/** `incr|decr <key> <delta> [noreply]`. */
export interface ArithmeticRequest {
  /** Discriminant of the `Request` union. */
  type: 'arithmetic';
  /** `incr` or `decr`. */
  command: 'incr' | 'decr';
  /** The key, one `latin1` character per byte. */
  key: string;
  /** Unsigned 64-bit delta. */
  delta: bigint;
  /** `noreply` was given: the server must not answer. */
  noreply: boolean;
}

/** `touch <key> <exptime> [noreply]`. */
export interface TouchRequest {
  /** Discriminant of the `Request` union. */
  type: 'touch';
  /** The key, one `latin1` character per byte. */
  key: string;
  /** Signed 32-bit exptime as sent. */
  exptime: number;
  /** `noreply` was given: the server must not answer. */
  noreply: boolean;
}

/** `stats [args…]`: `args` is empty for the general statistics. */
export interface StatsRequest {
  /** Discriminant of the `Request` union. */
  type: 'stats';
  /** The arguments after `stats` (`slabs`, `items`, `settings`, …); empty for the general statistics. */
  args: string[];
}

/** `flush_all [delay] [noreply]`. */
export interface FlushAllRequest {
  /** Discriminant of the `Request` union. */
  type: 'flush_all';
  /** Signed 32-bit delay in seconds; 0 (or negative) flushes now. */
  delay: number;
  /** `noreply` was given: the server must not answer. */
  noreply: boolean;
}

/** `verbosity <level> [noreply]`. */
export interface VerbosityRequest {
  /** Discriminant of the `Request` union. */
  type: 'verbosity';
  /** The requested verbosity level. */
  level: number;
  /** `noreply` was given: the server must not answer. */
  noreply: boolean;
}

/** `cache_memlimit <megabytes> [noreply]`. */
export interface MemLimitRequest {
  /** Discriminant of the `Request` union. */
  type: 'cache_memlimit';
  /** The new memory limit in megabytes. */
  megabytes: number;
  /** `noreply` was given: the server must not answer. */
  noreply: boolean;
}

/** Commands that take no arguments the server cares about. */
export interface SimpleRequest {
  /** Discriminant of the `Request` union. */
  type: 'version' | 'quit' | 'mn' | 'shutdown';
}

/**
 * The class list of `lru_crawler crawl|metadump`: `all`, `hash`, the slab
 * class ids (1–63), or `invalid` (memcached answers `BADCLASS`, but only
 * after its other checks, so the server decides when).
 */
export type CrawlerClasses = 'all' | 'hash' | number[] | 'invalid';

/** `lru_crawler metadump <all|hash|id,id,…>`: dump every live item's metadata. */
export interface MetadumpRequest {
  /** Discriminant of the `Request` union. */
  type: 'metadump';
  /** Which slab classes to dump. */
  classes: CrawlerClasses;
}

/** `lru_crawler crawl|sleep|tocrawl|enable|disable …`: crawler tuning the server may simply acknowledge. */
export interface LruCrawlerRequest {
  /** Discriminant of the `Request` union. */
  type: 'lru_crawler';
  /** The crawler subcommand. */
  action: 'crawl' | 'sleep' | 'tocrawl' | 'enable' | 'disable';
  /** The class list of `crawl`. */
  classes?: CrawlerClasses;
}

/** Known memcached admin commands memkit does not implement (`watch`, `slabs`, `lru`, …). */
export interface UnsupportedRequest {
  /** Discriminant of the `Request` union. */
  type: 'unsupported';
  /** The command word as sent. */
  command: string;
  /** `noreply` was given: the server must not answer. */
  noreply: boolean;
}

/**
 * Meta flags, parsed. `tokens` keeps every flag token in request order
 * because return flags (`k`, `c`, `t`, `O…`, …) are echoed in that order.
 */
export interface MetaFlags {
  /** Every flag token as sent, e.g. `['v', 'Oab', 'T30']`. */
  tokens: string[];
  /** `b`: the key was base64 (already decoded into `key`). */
  base64: boolean;
  /** `q`: noreply semantics. */
  quiet: boolean;
  /** `v`: return the value. */
  value: boolean;
  /** `u`: do not bump the item in the LRU. */
  noBump: boolean;
  /** `I`: invalidate / mark stale. */
  invalidate: boolean;
  /** `O<token>`: the opaque (without the `O`). */
  opaque?: string;
  /** `T<n>`: new TTL (signed 32-bit, as sent). */
  ttl?: number;
  /** `N<n>`: vivify on miss with this TTL. */
  vivifyTtl?: number;
  /** `R<n>`: win the recache token when the remaining TTL is below this. */
  recacheTtl?: number;
  /** `F<n>`: client flags (32-bit unsigned). */
  clientFlags?: number;
  /** `C<n>`: compare CAS. */
  compareCas?: bigint;
  /** `M<c>`: mode switch character. */
  mode?: string;
  /** `J<n>`: `ma` initial value on vivify. */
  initial?: bigint;
  /** `D<n>`: `ma` delta. */
  delta?: bigint;
}

/** `mg <key> <flags>*`. */
export interface MetaGetRequest {
  /** Discriminant of the `Request` union. */
  type: 'mg';
  /** The key, one `latin1` character per byte (decoded when the `b` flag was given). */
  key: string;
  /** The parsed meta flags. */
  flags: MetaFlags;
}

/** `ms <key> <datalen> <flags>*` + data block. */
export interface MetaSetRequest {
  /** Discriminant of the `Request` union. */
  type: 'ms';
  /** The key, one `latin1` character per byte (decoded when the `b` flag was given). */
  key: string;
  /** The parsed meta flags. */
  flags: MetaFlags;
  /** The data block; a zero-copy view when it arrived whole. */
  value: Buffer;
}

/** `md <key> <flags>*`. */
export interface MetaDeleteRequest {
  /** Discriminant of the `Request` union. */
  type: 'md';
  /** The key, one `latin1` character per byte (decoded when the `b` flag was given). */
  key: string;
  /** The parsed meta flags. */
  flags: MetaFlags;
}

/** `ma <key> <flags>*`. */
export interface MetaArithmeticRequest {
  /** Discriminant of the `Request` union. */
  type: 'ma';
  /** The key, one `latin1` character per byte (decoded when the `b` flag was given). */
  key: string;
  /** The parsed meta flags. */
  flags: MetaFlags;
}

/** `me <key> [b]`. */
export interface MetaDebugRequest {
  /** Discriminant of the `Request` union. */
  type: 'me';
  /** The key, one `latin1` character per byte. */
  key: string;
  /** The key was sent base64-encoded (`b`) and has been decoded. */
  base64: boolean;
}

/**
 * A command memcached would refuse. `message` is the exact reply line
 * (without CRLF); the decoder has already skipped whatever memcached skips
 * (e.g. the data block of a too-large `set`).
 */
export interface BadRequest {
  /** Discriminant of the `Request` union. */
  type: 'bad';
  /** `ERROR`, `CLIENT_ERROR …` or `SERVER_ERROR …`. */
  message: string;
  /** memcached stays silent: the command carried `noreply` (classic commands only). */
  noreply: boolean;
  /**
   * Set when a storage command's data block was too large. memcached then
   * unlinks the existing item (for `set` and `ms`) and counts `store_too_large`.
   */
  tooLarge?: {
    /** The storage command whose data block was too large. */
    command: StorageCommand | 'ms';
    /** Its key, one `latin1` character per byte. */
    key: string;
  };
}

/** `config get <key>`: the cluster configuration of a configuration endpoint (ElastiCache, Memorystore). */
export interface ConfigGetRequest {
  /** Discriminant. */
  type: 'config';
  /** The configuration asked for (`cluster`). */
  key: string;
}

/** Everything `RequestDecoder` yields. Discriminate on `type`. */
export type Request =
  | StorageRequest
  | RetrievalRequest
  | DeleteRequest
  | ArithmeticRequest
  | TouchRequest
  | StatsRequest
  | FlushAllRequest
  | VerbosityRequest
  | MemLimitRequest
  | SimpleRequest
  | MetadumpRequest
  | LruCrawlerRequest
  | UnsupportedRequest
  | MetaGetRequest
  | MetaSetRequest
  | MetaDeleteRequest
  | MetaArithmeticRequest
  | MetaDebugRequest
  | ConfigGetRequest
  | BadRequest;

/** Bounds that keep a hostile client from making the decoder allocate. */
export interface RequestDecoderLimits {
  /**
   * A partial command line longer than this (no newline yet) closes the
   * connection, like memcached's 2048-byte rule. Default 2048.
   */
  maxLineLength?: number;
  /**
   * Largest data block read into memory; larger ones are answered with
   * `SERVER_ERROR object too large for cache` and skipped. Default 1 MiB.
   */
  maxValueLength?: number;
  /**
   * `get`/`gets` lines may exceed `maxLineLength` (memcached allows big
   * multigets) up to this many bytes. Default 1 MiB.
   */
  maxMultigetLength?: number;
  /**
   * Whether meta commands (`mg`, `ms`, `md`, `ma`, `me`, `mn`) are
   * understood. `false` parses like a server without the meta protocol
   * (memcached before 1.6, some proxies): each is an unknown command
   * (`ERROR`), and an `ms` data block is read as the next command line, as
   * such a server would. Default true.
   */
  meta?: boolean;
}
