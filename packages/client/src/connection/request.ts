/**
 * A request on a connection: the bytes to write and the state machine that
 * consumes its replies. One `Request` is one logical operation (a single get,
 * a whole 100-key multi-get, a setMulti), possibly many wire commands, ended
 * by a reply it knows is last (`MN` after quiet meta commands, `END`, a
 * status word). The connection routes every reply to the oldest unfinished
 * request, so replies can never be handed to the wrong caller; a reply a
 * request cannot explain is a protocol error that kills the connection.
 */
import {
  type Chunk,
  MemkitError,
  ProtocolError,
  type Reply,
  type ValueView,
  valueReplyOfView,
} from '@memkit/protocol';

/** `onReply` result: more replies belong to this request. */
export const MORE = false;
/** `onReply` result: that reply was the last one; the request has settled. */
export const DONE = true;

/**
 * Told when a request settles, just before its promise does: a traced call
 * whose result is exactly this request's learns it here instead of through
 * one more promise step.
 */
export interface SettleHook {
  /** `ok`: resolved with `value`; otherwise rejected with `value`. Must not throw. */
  settled(ok: boolean, value: unknown): void;
}

export abstract class Request<T = unknown> {
  /** Command name, for errors and diagnostics. */
  abstract readonly command: string;
  /** What to write. */
  chunks: Chunk[] = [];
  /** Absolute deadline (performance.now() ms); Infinity when none. */
  deadline = Number.POSITIVE_INFINITY;
  /** Set once the bytes were handed to the socket. */
  written = false;
  settled = false;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Number of keys the request carries (diagnostics). */
  keyCount = 1;
  /** Told of the outcome before `promise` settles (see `SettleHook`). */
  hook: SettleHook | undefined = undefined;
  promise: Promise<T>;
  // Typed loosely so Request<T> stays assignable to Request<unknown> (T only flows out via `promise`).
  private resolveFn!: (v: unknown) => void;
  private rejectFn!: (e: Error) => void;
  /** First server error reply seen while more replies were still due. */
  protected pendingError: MemkitError | undefined;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolveFn = resolve as (v: unknown) => void;
      this.rejectFn = reject;
    });
  }

  /** Consumes one reply; returns DONE when it was the last. Throws `ProtocolError` when the reply makes no sense here. */
  abstract onReply(reply: Reply, server: string): boolean;

  /**
   * Consumes a text `VALUE` reply seen in place in the receive buffer (valid
   * only during the call). Requests that expect VALUE replies override it to
   * skip building a `ValueReply`; by default the view becomes one.
   */
  onValue(view: ValueView, server: string): boolean {
    return this.onReply(valueReplyOfView(view), server);
  }

  resolve(value: T): boolean {
    if (!this.settled) {
      this.settled = true;
      this.detachSignal();
      if (this.pendingError) {
        this.hook?.settled(false, this.pendingError);
        this.rejectFn(this.pendingError);
      } else {
        this.hook?.settled(true, value);
        this.resolveFn(value);
      }
    }
    return DONE;
  }

  reject(err: Error): boolean {
    if (!this.settled) {
      this.settled = true;
      this.detachSignal();
      this.hook?.settled(false, err);
      this.rejectFn(err);
    }
    return DONE;
  }

  detachSignal(): void {
    if (this.signal && this.onAbort) this.signal.removeEventListener('abort', this.onAbort);
    this.onAbort = undefined;
  }

  /**
   * Common handling of error replies. `ERROR` to a meta command means the
   * server has no meta protocol; other error replies become `ERR_SERVER` /
   * `ERR_CLIENT`. Returns the error, or undefined for a non-error reply.
   */
  protected errorOf(reply: Reply, server: string): MemkitError | undefined {
    switch (reply.type) {
      case 'SERVER_ERROR':
        return new MemkitError('ERR_SERVER', `${server} ${this.command}: SERVER_ERROR ${reply.message}`, {
          server,
          command: this.command,
        });
      case 'CLIENT_ERROR':
        if (reply.message === 'unauthenticated') {
          return new MemkitError(
            'ERR_AUTH',
            `${server} requires authentication: pass auth: { username, password } to the client`,
            { server, command: this.command },
          );
        }
        return new MemkitError('ERR_CLIENT', `${server} ${this.command}: CLIENT_ERROR ${reply.message}`, {
          server,
          command: this.command,
        });
      case 'ERROR':
        // `ERROR <reason>` is the server refusing service (memcached at its connection limit
        // sends `ERROR Too many open connections`, then closes); only a bare ERROR means the
        // command is unknown.
        if (reply.message !== undefined) {
          return new MemkitError('ERR_SERVER', `${server} ${this.command}: ERROR ${reply.message}`, {
            server,
            command: this.command,
          });
        }
        if (this.isMeta()) {
          return new MemkitError(
            'ERR_UNSUPPORTED',
            `${server} does not understand the meta protocol (memcached >= 1.6 is needed); ` +
              "create the client with protocol: 'text' to talk to this server",
            { server, command: this.command },
          );
        }
        return new MemkitError('ERR_CLIENT', `${server} ${this.command}: ERROR`, {
          server,
          command: this.command,
        });
      default:
        return undefined;
    }
  }

  /** True for requests sent with meta commands. */
  protected isMeta(): boolean {
    return false;
  }

  /** Settles on a reply that is not a result: an error reply rejects, anything else is a desync. */
  protected fail(reply: Reply, server: string): boolean {
    const err = this.errorOf(reply, server);
    return err ? this.reject(err) : this.unexpected(reply, server);
  }

  /** A reply this request cannot explain: the stream is out of sync. */
  protected unexpected(reply: Reply, server: string): never {
    throw new ProtocolError(`${server} ${this.command}: unexpected reply ${reply.type}`, {
      server,
      command: this.command,
    });
  }
}
