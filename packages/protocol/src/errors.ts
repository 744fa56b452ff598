/**
 * The one error base class of memkit, with stable machine-readable codes.
 * Every package throws `MemkitError` (or a subclass); users branch on `code`,
 * never on message text.
 */

/** Every error code memkit can produce. Stable across releases. */
export type MemkitErrorCode =
  /** Bytes from the peer do not follow the protocol; the connection is unusable. */
  | 'ERR_PROTOCOL'
  /** A key is empty, too long, or contains whitespace/control characters. */
  | 'ERR_KEY_INVALID'
  /** A value is larger than the configured maximum item size. */
  | 'ERR_VALUE_TOO_LARGE'
  /** An argument (TTL, delta, option) is out of range or of the wrong type. */
  | 'ERR_INVALID_ARGUMENT'
  /** A command did not complete within its timeout. */
  | 'ERR_TIMEOUT'
  /** The caller aborted the command through its `AbortSignal`. */
  | 'ERR_ABORTED'
  /** The connection closed (or was destroyed) before the reply arrived. */
  | 'ERR_CONNECTION_CLOSED'
  /** A connection could not be established. */
  | 'ERR_CONNECT'
  /** The client was closed; no further commands are accepted. */
  | 'ERR_CLIENT_CLOSED'
  /** The server answered `SERVER_ERROR …`. */
  | 'ERR_SERVER'
  /** The server answered `CLIENT_ERROR …` or `ERROR` to a command. */
  | 'ERR_CLIENT'
  /** The server does not support what was asked (e.g. meta commands on memcached < 1.6). */
  | 'ERR_UNSUPPORTED'
  /** A stored value could not be deserialized (e.g. a Python pickle). */
  | 'ERR_UNSERIALIZABLE'
  /** Authentication was refused. */
  | 'ERR_AUTH'
  /** The server holding the key is marked dead (cluster failover policy `error`). */
  | 'ERR_SERVER_DEAD'
  /** TLS negotiation or certificate verification failed. */
  | 'ERR_TLS';

/** Extra, optional context attached to an error. */
export interface MemkitErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
  /** The server address (`host:port` or socket path) involved, if any. */
  server?: string;
  /** The command name involved, if any (e.g. `get`, `ms`). */
  command?: string;
}

/**
 * Base class of every error memkit throws. `code` is stable; `message` is for
 * humans and may change.
 */
export class MemkitError extends Error {
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
  /** The class name, `ProtocolError`. */
  override name = 'ProtocolError';
  constructor(message: string, options: MemkitErrorOptions = {}) {
    super('ERR_PROTOCOL', message, options);
  }
}

/** A key failed validation before anything was sent. */
export class KeyError extends MemkitError {
  /** The class name, `KeyError`. */
  override name = 'KeyError';
  constructor(message: string, options: MemkitErrorOptions = {}) {
    super('ERR_KEY_INVALID', message, options);
  }
}

/** Type guard: is `err` a `MemkitError`, optionally with the given code? */
export function isMemkitError(err: unknown, code?: MemkitErrorCode): err is MemkitError {
  return err instanceof MemkitError && (code === undefined || err.code === code);
}
