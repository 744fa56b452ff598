/**
 * The one partial-failure model of calls that touch several servers.
 *
 * - Admin calls (`stats`, `version`, `flushAll`, `metadump`) resolve one
 *   `ServerResult` per server, in configuration order: a failed server is
 *   an entry with `ok: false`, never a rejection of the whole call.
 * - Key-spanning calls (`getMulti`, `getsMulti`, `setMulti`, `deleteMulti`)
 *   resolve as usual when every server involved answered; reject with a
 *   `PartialFailureError` (ERR_PARTIAL_FAILURE) carrying what the others
 *   answered when some failed; and reject with the first underlying error
 *   (the one of the server holding the earliest failed key) when all failed,
 *   like a single-key call.
 *
 * Partial results plus the errors, per server, as gomemcache returns them:
 * the caller decides whether a partial answer is good enough.
 */
import { brandErrorClass, MemkitError } from '@memkit/protocol';

/** What one server answered to an admin call, or why it did not. */
export type ServerResult<T> =
  | {
      /** The server's address (as in `client.servers()`). */
      server: string;
      /** It answered. */
      ok: true;
      /** Its answer. */
      value: T;
    }
  | {
      /** The server's address (as in `client.servers()`). */
      server: string;
      /** It failed. */
      ok: false;
      /** Why: ERR_CONNECT, ERR_TIMEOUT, ERR_SERVER, … */
      error: MemkitError;
    };

/** Keys of a multi-key call that failed together, on one server, with one error. */
export interface KeyFailure {
  /**
   * The address of the server that holds `keys` (as in `client.servers()`);
   * empty only when no server could be named for them (no live server).
   */
  server: string;
  /** The caller's keys, in call order. */
  keys: string[];
  /** Why: ERR_CONNECT, ERR_TIMEOUT, ERR_SERVER_DEAD, … */
  error: MemkitError;
}

/**
 * A multi-key call failed on some of its servers (code
 * `ERR_PARTIAL_FAILURE`). `partial` is what the call would have resolved
 * with, from the servers that answered (the failed keys are absent from it:
 * never reported as misses, NOT_STORED or NOT_FOUND); `failures` names the
 * failed keys per server with the error of each, in the order of their
 * first key. `cause` is the first failure's error.
 *
 * @example
 * try {
 *   hits = await client.getMulti(keys);
 * } catch (err) {
 *   if (!isPartialFailure<Map<string, User>>(err)) throw err;
 *   hits = err.partial; // the live servers' hits
 *   log.warn(err.failures.map((f) => `${f.server}: ${f.error.code}`));
 * }
 */
export class PartialFailureError<T = unknown> extends MemkitError {
  static {
    // `instanceof` across the ESM and CJS builds, like MemkitError itself.
    brandErrorClass(PartialFailureError, 'memkit.error.PartialFailureError');
  }

  /** The class name, `PartialFailureError`. */
  override name = 'PartialFailureError';
  /** What the call resolves with, from the servers that answered. */
  readonly partial: T;
  /** The failed keys, per server, with why. */
  readonly failures: KeyFailure[];

  constructor(command: string, partial: T, failures: KeyFailure[]) {
    const what = failures.map((f) => `${f.server || '(no server)'}: ${f.error.message}`).join('; ');
    const count = failures.reduce((n, f) => n + f.keys.length, 0);
    super(
      'ERR_PARTIAL_FAILURE',
      `${command}: ${count} key(s) failed on ${failures.length} server(s): ${what}`,
      {
        command,
        cause: failures[0]?.error,
      },
    );
    this.partial = partial;
    this.failures = failures;
  }
}

/**
 * Type guard: is `err` a {@link PartialFailureError} (from any copy of
 * memkit)? `T` is what the call resolves with (`Map<string, V>` for
 * getMulti, `string[]` for setMulti/deleteMulti); it is not checked.
 */
export function isPartialFailure<T = unknown>(err: unknown): err is PartialFailureError<T> {
  return err instanceof PartialFailureError;
}

/**
 * The error a failed server batch is reported with. Exchanges reject with
 * MemkitErrors; only a custom serializer's `deserialize` can throw something
 * else, and that is a value that cannot be decoded.
 */
export function asServerError(reason: unknown, server: string, command: string): MemkitError {
  if (reason instanceof MemkitError) return reason;
  return new MemkitError('ERR_UNSERIALIZABLE', `${server} ${command}: ${String(reason)}`, {
    server,
    command,
    cause: reason,
  });
}

/**
 * Settles a key-spanning call: `result` when nothing failed, the first
 * failure's error when every one of the `involved` server batches failed,
 * else a PartialFailureError; a closed client or an aborted call rejects as
 * such (`callError`). `failures` must be in first-key order.
 */
export function settleMulti<T>(command: string, result: T, failures: KeyFailure[], involved: number): T {
  if (failures.length === 0) return result;
  const own = callError(failures.map((f) => f.error));
  if (own) throw own;
  if (failures.length === involved) throw failures[0]!.error;
  throw new PartialFailureError(command, result, failures);
}

/**
 * The error that ends the whole call rather than one server's part: the
 * client was closed (ERR_CLIENT_CLOSED) or the caller's signal aborted
 * (ERR_ABORTED). Neither says anything about a server.
 */
export function callError(errors: readonly MemkitError[]): MemkitError | undefined {
  return errors.find((e) => e.code === 'ERR_CLIENT_CLOSED' || e.code === 'ERR_ABORTED');
}
