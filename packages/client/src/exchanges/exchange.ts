/**
 * An exchange on a connection: the bytes to write and the state machine that
 * consumes their replies. One `Exchange` is one logical operation (a single
 * get, a whole 100-key multi-get, a setMulti), possibly many wire commands,
 * ended by a reply it knows is last (`MN` after quiet meta commands, `END`, a
 * status word). The connection routes every reply to the oldest unfinished
 * exchange, so replies can never be handed to the wrong caller; a reply an
 * exchange cannot explain is a protocol error that kills the connection.
 *
 * Error replies (`SERVER_ERROR`, `CLIENT_ERROR`, `ERROR`) never reach
 * `onReply`: `deliverReply` (reply-route.ts) turns them into a `MemkitError`
 * first and hands that to `onError`, so no exchange can forget to.
 *
 * (The protocol package's `Request` types are the other direction: what a
 * server decodes from a client.)
 */

import {
  type Chunk,
  type MemkitError,
  ProtocolError,
  type Reply,
  type ValueView,
  valueReplyOfView,
} from '@memkit/protocol';
import type { WireKey } from '../keys';
import { unwatchAbort } from './abort-watch';

/** `onReply` result: more replies belong to this exchange. */
export const MORE = false;
/** `onReply` result: that reply was the last one; the exchange has settled. */
export const DONE = true;

/** Told when a write fails (see `Exchange.noteTo`): the server may still hold the old value. */
export interface WriteFailureSink {
  writeFailed(key: WireKey, err: Error): void;
}

/**
 * Told when an exchange settles, just before its promise does: a traced call
 * whose result is exactly this exchange's learns it here instead of through
 * one more promise step.
 */
export interface SettleHook {
  /** `ok`: resolved with `value`; otherwise rejected with `value`. Must not throw. */
  settled(ok: boolean, value: unknown): void;
}

export abstract class Exchange<T = unknown> {
  /** Command name, for errors and diagnostics. */
  abstract readonly command: string;
  /** What to write. */
  chunks: Chunk[] = [];
  /** Absolute deadline (performance.now() ms); Infinity when none. */
  deadline = Number.POSITIVE_INFINITY;
  /** Set once the bytes were handed to the socket (an abort before that just drops the exchange). */
  written = false;
  settled = false;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Number of keys the exchange carries (diagnostics). */
  keyCount = 1;
  /** Told of the outcome before `promise` settles (see `SettleHook`). */
  hook: SettleHook | undefined = undefined;
  /** A single-key write: told of its failure, with `noteKey` (so the key is invalidated there later). */
  noteTo: WriteFailureSink | undefined = undefined;
  /** The key of a write, for `noteTo`. */
  noteKey: WireKey | undefined = undefined;
  promise: Promise<T>;
  // Typed loosely so Exchange<T> stays assignable to Exchange<unknown> (T only flows out via `promise`).
  private resolveFn!: (v: unknown) => void;
  private rejectFn!: (e: Error) => void;
  /** First error reply seen while more replies were still due; rejects the exchange when it ends. */
  protected pendingError: MemkitError | undefined;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolveFn = resolve as (v: unknown) => void;
      this.rejectFn = reject;
    });
  }

  /**
   * True when the exchange is written as meta commands: a bare `ERROR` reply
   * then means the server has no meta protocol (see reply-route.ts). A
   * prototype getter, not a field: exchanges are created per call.
   */
  get meta(): boolean {
    return false;
  }

  /**
   * True when the replies are read as plain lines (`LineReply`) rather than
   * parsed as known replies: only on a connection of its own (raw commands).
   */
  get replyLines(): boolean {
    return false;
  }

  /**
   * Consumes one reply that is not an error reply; returns DONE when it was
   * the last. Throws `ProtocolError` when the reply makes no sense here.
   */
  abstract onReply(reply: Reply, server: string): boolean;

  /**
   * Consumes an error reply, already mapped to a `MemkitError`. By default
   * it ends the exchange with that error; exchanges that wrote several
   * commands override it to keep reading the replies still due.
   */
  onError(err: MemkitError, _server: string): boolean {
    return this.reject(err);
  }

  /**
   * Consumes a bare `ERROR` (the server does not know the command), already
   * mapped to a `MemkitError`. By default that is an error like any other;
   * an exchange that probes for a command overrides it to learn the answer.
   */
  onUnknownCommand(err: MemkitError, server: string): boolean {
    return this.onError(err, server);
  }

  /**
   * Consumes a text `VALUE` reply seen in place in the receive buffer (valid
   * only during the call). Exchanges that expect VALUE replies override it to
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
        if (this.noteTo !== undefined) this.noteTo.writeFailed(this.noteKey!, this.pendingError);
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
      if (this.noteTo !== undefined) this.noteTo.writeFailed(this.noteKey!, err);
      this.hook?.settled(false, err);
      this.rejectFn(err);
    }
    return DONE;
  }

  detachSignal(): void {
    if (this.signal && this.onAbort) unwatchAbort(this.signal, this.onAbort);
    this.onAbort = undefined;
  }

  /** A reply this exchange cannot explain: the stream is out of sync. */
  protected unexpected(reply: Reply, server: string): never {
    throw new ProtocolError(`${server} ${this.command}: unexpected reply ${reply.type}`, {
      server,
      command: this.command,
    });
  }
}

/** An exchange that writes one command line, named by its caller. */
export abstract class LineExchange<T> extends Exchange<T> {
  constructor(
    readonly command: string,
    line: string,
  ) {
    super();
    this.chunks = [line];
  }
}
