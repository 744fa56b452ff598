/**
 * The one error base class of memkit, with stable machine-readable codes.
 * Every package throws `MemkitError` (or a subclass); users branch on `code`,
 * never on message text.
 *
 * The classes are branded with `Symbol.for` keys and answer `instanceof` by
 * the brand, not by prototype identity: an application that loads both the
 * ESM and the CJS build (or two installed copies) gets two `MemkitError`
 * classes, and an error thrown by one must still be `instanceof` the other.
 */

/**
 * Every error code memkit can produce, with what it means. Stable across
 * releases; the client README's error table is generated from this object.
 */
export const MEMKIT_ERROR_CODES = {
  /** A key was refused before sending. */
  ERR_KEY_INVALID:
    'empty key, over 250 bytes (UTF-8, prefix included), whitespace or control characters. Checked before sending',
  /** A value was refused before sending. */
  ERR_VALUE_TOO_LARGE:
    'value over `maxValueSize`. Checked before sending: memcached would delete the existing item',
  /** A call's argument was refused before sending. */
  ERR_INVALID_ARGUMENT:
    'a bad argument to a call: TTL, delta, server spec, a per-call option, or something other than an options object where one goes (`set(k, v, 60)`)',
  /** A client option was refused at construction. */
  ERR_INVALID_OPTION:
    'a client option is unknown (the message names the closest valid one), of the wrong type or out of range. Thrown by `new Client(...)`',
  /** A command did not complete within its timeout. */
  ERR_TIMEOUT: 'no reply within `timeout`; the connection is destroyed if the command was already written',
  /** The caller aborted the command through its `AbortSignal`. */
  ERR_ABORTED: "the command's `signal` aborted",
  /** Too many commands wait for one server. */
  ERR_QUEUE_FULL:
    'the server already has `maxQueue` commands queued or in flight (it is stalled or overloaded); refused at once, nothing was sent',
  /** The connection closed (or was destroyed) before the reply arrived. */
  ERR_CONNECTION_CLOSED: 'the connection died with the command in flight',
  /** Some of the servers a multi-key call needed failed; the others answered. */
  ERR_PARTIAL_FAILURE:
    'a multi-key call (`getMulti`, `getsMulti`, `setMulti`, `deleteMulti`) failed on some of its servers: `.partial` holds what the others answered, `.failures` the failed keys with their server and error',
  /** A connection could not be established. */
  ERR_CONNECT: 'cannot connect (or reconnecting is backing off)',
  /** TLS negotiation or certificate verification failed. */
  ERR_TLS: 'certificate verification or TLS handshake failed',
  /** Authentication was refused. */
  ERR_AUTH: 'wrong credentials, or the server requires `auth`',
  /** The client was closed; no further commands are accepted. */
  ERR_CLIENT_CLOSED:
    'the client was closed (or is closing gracefully); also what commands still pending get when `close()` gives up waiting',
  /** The server answered `SERVER_ERROR …` or `ERROR <reason>`. */
  ERR_SERVER:
    "the server answered `SERVER_ERROR …`, or `ERROR <reason>` (e.g. `ERROR Too many open connections` at memcached's `-c` limit)",
  /**
   * The server answered memcached's `CLIENT_ERROR …` (it refused the command,
   * e.g. `incr` of a value that is not a number), or a bare `ERROR` to a text
   * command. (Not `ERR_CLIENT_CLOSED`, which is about this client.)
   */
  ERR_CLIENT_ERROR:
    'the server answered `CLIENT_ERROR …` (it refused the command, e.g. `incr` of a value that is not a number), or a bare `ERROR` to a text command',
  /** The server does not support what was asked. */
  ERR_UNSUPPORTED:
    "the server has no meta protocol (use `protocol: 'text'` or `'auto'`), or no LRU crawler for `metadump`",
  /** A stored value could not be deserialized. */
  ERR_UNSERIALIZABLE: 'the stored value cannot be decoded (a Python pickle, unknown flags)',
  /** The server holding the key is marked dead. */
  ERR_SERVER_DEAD: "the key's server is marked dead and `failover` is `'error'` (or every server is dead)",
  /** Bytes from the peer do not follow the protocol; the connection is unusable. */
  ERR_PROTOCOL: 'the server sent bytes that break the protocol; the connection is destroyed',
  /** Server discovery failed, answered something unusable, or has not answered yet. */
  ERR_DISCOVERY:
    'server discovery (configuration endpoint, DNS) failed or answered something unusable (the last good server list is kept), or has not answered yet',
} as const;

/** Every error code memkit can produce (see `MEMKIT_ERROR_CODES` for their meaning). */
export type MemkitErrorCode = keyof typeof MEMKIT_ERROR_CODES;

/** Extra, optional context attached to an error. */
export interface MemkitErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
  /** The server address (`host:port` or socket path) involved, if any. */
  server?: string;
  /** The command name involved, if any (e.g. `get`, `ms`). */
  command?: string;
}

/** An error class that can carry a brand (any class whose instances are objects). */
export type Branded = abstract new (...args: never[]) => object;

const brands = new WeakMap<Branded, symbol>();

/**
 * Brands an error class: its instances (and its subclasses' instances) carry
 * `Symbol.for(key)`, and `instanceof` on it checks that symbol. Every copy of
 * the class (ESM build, CJS build, another installed version) shares the
 * key, so they recognise each other's errors. For memkit's own subclasses in
 * other packages; a subclass you write needs nothing (plain `instanceof`).
 */
export function brandErrorClass(cls: Branded, key: string): void {
  const brand = Symbol.for(key);
  brands.set(cls, brand);
  Object.defineProperty(cls.prototype, brand, { value: true });
}

/** `instanceof` for branded classes; ordinary prototype checks for any other subclass. */
function isInstance(cls: Branded, value: unknown): boolean {
  const brand = brands.get(cls);
  if (brand === undefined) return Function.prototype[Symbol.hasInstance].call(cls, value);
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/**
 * Base class of every error memkit throws. `code` is stable; `message` is for
 * humans and may change. `instanceof MemkitError` holds across the ESM and
 * CJS builds and across installed copies of memkit.
 */
export class MemkitError extends Error {
  static {
    brandErrorClass(MemkitError, 'memkit.error');
  }

  /** True for errors of this class from any copy of memkit (see `brandErrorClass`). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: the class `instanceof` is asked about, maybe a subclass.
    return isInstance(this, value);
  }

  /** The class name, `MemkitError`. */
  override name = 'MemkitError';
  /** Stable machine-readable code: branch on this, not on the message. */
  readonly code: MemkitErrorCode;
  /** The server address (`host:port` or socket path) involved, if any. */
  readonly server?: string;
  /** The command name involved, if any (e.g. `get`, `ms`). */
  readonly command?: string;

  constructor(code: MemkitErrorCode, message: string, options: MemkitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.server !== undefined) this.server = options.server;
    if (options.command !== undefined) this.command = options.command;
  }
}

/** The peer sent bytes that violate the protocol, or exceeded a decoder bound. */
export class ProtocolError extends MemkitError {
  static {
    brandErrorClass(ProtocolError, 'memkit.error.ProtocolError');
  }

  /** The class name, `ProtocolError`. */
  override name = 'ProtocolError';
  constructor(message: string, options: MemkitErrorOptions = {}) {
    super('ERR_PROTOCOL', message, options);
  }
}

/** A key failed validation before anything was sent. */
export class KeyError extends MemkitError {
  static {
    brandErrorClass(KeyError, 'memkit.error.KeyError');
  }

  /** The class name, `KeyError`. */
  override name = 'KeyError';
  constructor(message: string, options: MemkitErrorOptions = {}) {
    super('ERR_KEY_INVALID', message, options);
  }
}

/** Type guard: is `err` a `MemkitError` (from any copy of memkit), optionally with the given code? */
export function isMemkitError(err: unknown, code?: MemkitErrorCode): err is MemkitError {
  return err instanceof MemkitError && (code === undefined || err.code === code);
}
