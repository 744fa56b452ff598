/**
 * The reply items the decoder yields. One item per protocol unit: a text
 * `VALUE` block, an `END`, a `STAT` line, a status word, a meta reply. Callers
 * (the client's per-request handlers) assemble multi-item responses such as
 * `get` (VALUE* END) or `stats` (STAT* END), because only they know which
 * request a reply belongs to.
 */

/** Return flags of a meta reply (`HD`/`VA`/`EN`/`NS`/`EX`/`NF` …), parsed. */
export interface MetaReplyFlags {
  /** `O<token>`: the opaque copied back from the request. */
  opaque?: string;
  /** `c<n>`: CAS unique. */
  cas?: bigint;
  /** `f<n>`: client flags (32-bit unsigned). */
  flags?: number;
  /** `t<n>`: remaining TTL in seconds, -1 for none. */
  ttl?: number;
  /** `s<n>`: item size. */
  size?: number;
  /** `k<key>`: the key (still base64 when `base64` is true). */
  key?: string;
  /** `b`: the returned key is base64. */
  base64?: boolean;
  /** `h0`/`h1`: whether the item had been fetched before. */
  hit?: boolean;
  /** `l<n>`: seconds since last access. */
  lastAccess?: number;
  /** `W`: this client won the right to recache. */
  win?: boolean;
  /** `X`: the item is stale. */
  stale?: boolean;
  /** `Z`: a win token was already handed out to another client. */
  winSent?: boolean;
}

/** Text protocol `VALUE <key> <flags> <bytes> [<cas>]` + data block. */
export interface ValueReply {
  /** Discriminant of the `Reply` union: the reply word. */
  type: 'VALUE';
  /** The key as the server sent it (UTF-8). */
  key: string;
  /** The item's client flags (32-bit unsigned). */
  flags: number;
  /** The data block: a zero-copy view when it arrived in one chunk. */
  value: Buffer;
  /** Present for `gets`/`gats`. */
  cas?: bigint;
}

/**
 * A `VALUE` reply seen in place, for callers that want no per-reply
 * allocation (see `ReplyDecoder.feed`'s `onValue`): the key and the data
 * block are ranges of `buf` instead of a string and a view. The decoder
 * reuses one object, so it is only valid during the callback; copy what you
 * keep (`buf.toString('utf8', start, end)`, `buf.subarray(start, end)`).
 */
export interface ValueView {
  /** The received chunk holding the whole header line and data block. */
  buf: Buffer;
  /** The key is `buf[keyStart, keyEnd)` (UTF-8). */
  keyStart: number;
  /** End (exclusive) of the key in `buf`. */
  keyEnd: number;
  /** The item's client flags (32-bit unsigned). */
  flags: number;
  /** The data block is `buf[start, end)`. */
  start: number;
  /** End (exclusive) of the data block in `buf`. */
  end: number;
  /** Present for `gets`/`gats`. */
  cas: bigint | undefined;
}

/** Text protocol `STAT <name> <value>`. */
export interface StatReply {
  /** Discriminant of the `Reply` union: the reply word. */
  type: 'STAT';
  /** The statistic's name, e.g. `curr_items`. */
  name: string;
  /** Its value, as the server wrote it. */
  value: string;
}

/** `lru_crawler metadump` line: `key=<urlencoded> exp=… la=… cas=… fetch=… cls=… size=…`. */
export interface MetadumpReply {
  /** Discriminant of the `Reply` union: the reply word. */
  type: 'METADUMP';
  /** The key, URL-decoded. */
  key: string;
  /** Every `name=value` field of the line, raw (including `key`). */
  fields: Record<string, string>;
}

/** Text protocol status words that carry nothing else. */
export interface StatusReply {
  /** Discriminant of the `Reply` union: the reply word. */
  type:
    | 'END'
    | 'STORED'
    | 'NOT_STORED'
    | 'EXISTS'
    | 'NOT_FOUND'
    | 'DELETED'
    | 'TOUCHED'
    | 'OK'
    | 'ERROR'
    | 'RESET';
  /**
   * Only on `ERROR`, when the server added a reason (memcached 1.6 sends e.g.
   * `ERROR cannot pipeline other commands before metadump`).
   */
  message?: string;
}

/** Reply of `incr`/`decr`: the new value. */
export interface NumberReply {
  /** Discriminant of the `Reply` union: the reply word. */
  type: 'NUMBER';
  /** The new value after `incr`/`decr` (unsigned 64-bit). */
  value: bigint;
}

/** `VERSION <string>`. */
export interface VersionReply {
  /** Discriminant of the `Reply` union: the reply word. */
  type: 'VERSION';
  /** The version string, e.g. `1.6.18`. */
  version: string;
}

/** `CLIENT_ERROR <message>` or `SERVER_ERROR <message>`. */
export interface ErrorReply {
  /** Discriminant of the `Reply` union: the reply word. */
  type: 'CLIENT_ERROR' | 'SERVER_ERROR';
  /** The error text after the reply word. */
  message: string;
}

/** Meta replies without a data block. `MN` never has flags. */
export interface MetaStatusReply extends MetaReplyFlags {
  /** Discriminant of the `Reply` union: the reply word. */
  type: 'HD' | 'EN' | 'NS' | 'EX' | 'NF' | 'MN';
}

/** Meta `VA <size> <flags>*` + data block. */
export interface MetaValueReply extends MetaReplyFlags {
  /** Discriminant of the `Reply` union: the reply word. */
  type: 'VA';
  /** The data block: a zero-copy view when it arrived in one chunk. */
  value: Buffer;
}

/**
 * `CONFIG <key> <flags> <bytes>` + data block: the answer of `config get
 * <key>` on engines with a cluster configuration (AWS ElastiCache, GCP
 * Memorystore). `parseClusterConfig` reads the data block of `config get cluster`.
 */
export interface ConfigReply {
  /** Discriminant. */
  type: 'CONFIG';
  /** The configuration asked for (`cluster`). */
  key: string;
  /** The flags field of the header (0 from every engine seen so far). */
  flags: number;
  /** The data block: a zero-copy view when it arrived in one chunk. */
  value: Buffer;
}

/** Meta debug `ME <key> <k>=<v>*`. */
export interface MetaDebugReply {
  /** Discriminant of the `Reply` union: the reply word. */
  type: 'ME';
  /** The key as the server sent it. */
  key: string;
  /** The item's metadata, `name=value` pairs (`exp`, `la`, `cas`, `fetch`, `cls`, `size`). */
  fields: Record<string, string>;
}

/**
 * One line of a reply read as plain text by `LineDecoder` (the replies of
 * commands memkit does not know, such as those of `rawCommand`). Never
 * produced by `ReplyDecoder`.
 */
export interface LineReply {
  /** Always `'LINE'`. */
  type: 'LINE';
  /** The line without its line ending, decoded as UTF-8. */
  line: string;
}

/** Everything the decoders can yield. Discriminate on `type`. */
export type Reply =
  | ValueReply
  | StatReply
  | MetadumpReply
  | StatusReply
  | NumberReply
  | VersionReply
  | ErrorReply
  | MetaStatusReply
  | MetaValueReply
  | MetaDebugReply
  | LineReply
  | ConfigReply;

/** Bounds that keep a hostile or broken peer from making the decoder allocate. */
export interface DecoderLimits {
  /** Longest reply line accepted, excluding the data block. Default 8192 bytes. */
  maxLineLength?: number;
  /** Largest data block accepted (VALUE/VA size). Default 128 MiB. */
  maxValueLength?: number;
}
