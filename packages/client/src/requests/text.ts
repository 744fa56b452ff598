/**
 * Requests spoken in the classic text protocol (for servers without meta
 * commands). Replies carry no tokens, so each request counts the replies it
 * is owed and checks that every one is a word its command can produce; VALUE
 * blocks must name a key the request asked for.
 */
import type { Buffer } from 'node:buffer';
import { type Chunk, ProtocolError, type Reply, type ValueView } from '@memkit/protocol';
import { MORE, Request } from '../connection/request';
import type { Serializer } from '../serialization/index';
import { deserializeRange } from '../serialization/slice';
import { KeyCursor } from './key-cursor';

/** Result of a text retrieval: value + cas per requested wire key index. */
export type TextHit<T> = { value: T; cas: bigint | undefined };

/**
 * `get`/`gets`/`gat`/`gats` over one or more command lines, each ending with
 * `END`. Every VALUE must name a key that was asked for (matched in order,
 * see `KeyCursor`); values arrive as in-place views on the fast path
 * (`onValue`) or as `ValueReply`s when they spanned socket reads.
 */
abstract class TextRetrievalRequest<R> extends Request<R> {
  private endsLeft: number;
  private readonly cursor: KeyCursor;
  private error: Error | undefined;

  constructor(
    readonly command: string,
    lines: string[],
    wireKeys: readonly string[],
    protected readonly serializer: Serializer,
  ) {
    super();
    this.chunks = lines;
    this.endsLeft = lines.length;
    this.keyCount = wireKeys.length;
    this.cursor = new KeyCursor(wireKeys);
  }

  /** Records the value of requested key `index`. */
  protected abstract hit(index: number, value: unknown, cas: bigint | undefined): void;
  /** The result once the last `END` arrived. */
  protected abstract result(): R;

  override onValue(view: ValueView, server: string): boolean {
    const i = this.cursor.matchBytes(view.buf, view.keyStart, view.keyEnd);
    return this.value(i, server, view.buf, view.start, view.end, view.flags, view.cas);
  }

  onReply(reply: Reply, server: string): boolean {
    if (reply.type === 'VALUE') {
      const i = this.cursor.matchString(reply.key);
      const { value } = reply;
      return this.value(i, server, value, 0, value.length, reply.flags, reply.cas);
    }
    if (reply.type === 'END') {
      if (--this.endsLeft > 0) return MORE;
      if (this.error) return this.reject(this.error);
      return this.resolve(this.result());
    }
    return this.failOrUnexpected(reply, server);
  }

  /**
   * The value `buf[start, end)` of requested key `i` (-1: not asked for, the stream is out of
   * sync). A value that cannot be decoded fails the request once its last `END` arrives.
   */
  private value(
    i: number,
    server: string,
    buf: Buffer,
    start: number,
    end: number,
    flags: number,
    cas: bigint | undefined,
  ): boolean {
    if (i < 0) this.notAsked(server);
    try {
      this.hit(i, deserializeRange(this.serializer, buf, start, end, flags), cas);
    } catch (e) {
      this.error ??= e as Error;
    }
    return MORE;
  }

  private notAsked(server: string): never {
    throw new ProtocolError(`${server} ${this.command}: VALUE for a key that was not asked for`, {
      server,
      command: this.command,
    });
  }

  private failOrUnexpected(reply: Reply, server: string): boolean {
    const err = this.errorOf(reply, server);
    if (!err) return this.unexpected(reply, server);
    // An error ends one command line's reply; the batch is reported failed at the end.
    this.pendingError ??= err;
    if (--this.endsLeft > 0) return MORE;
    return this.reject(err);
  }
}

/** Text retrieval whose result is the hit (value + cas) per requested key index. */
export class TextGetRequest<T> extends TextRetrievalRequest<Array<TextHit<T> | undefined>> {
  private readonly values: Array<TextHit<T> | undefined>;

  constructor(command: string, lines: string[], wireKeys: readonly string[], serializer: Serializer) {
    super(command, lines, wireKeys, serializer);
    this.values = new Array(wireKeys.length);
  }

  protected hit(index: number, value: unknown, cas: bigint | undefined): void {
    this.values[index] = { value: value as T, cas };
  }

  protected result(): Array<TextHit<T> | undefined> {
    return this.values;
  }
}

/**
 * getMulti over text `get` lines: fills the caller's result map directly
 * (hits only), keyed by the caller's own keys (`keys[i]` was sent as
 * `wireKeys[i]`).
 */
export class TextMultiGetRequest<T> extends TextRetrievalRequest<Map<string, T>> {
  constructor(
    lines: string[],
    wireKeys: readonly string[],
    private readonly keys: readonly string[],
    private readonly out: Map<string, T>,
    serializer: Serializer,
  ) {
    super('getMulti', lines, wireKeys, serializer);
  }

  protected hit(index: number, value: unknown): void {
    this.out.set(this.keys[index]!, value as T);
  }

  protected result(): Map<string, T> {
    return this.out;
  }
}

/** Maps a status word to a command result. */
type StatusMap<R> = Partial<Record<Reply['type'], R>>;

/**
 * One or more text commands answered by one status word each (STORED,
 * DELETED, TOUCHED, OK …). Result: the mapped value per command.
 */
export class TextStatusRequest<R> extends Request<R[]> {
  private readonly results: R[] = [];

  constructor(
    readonly command: string,
    chunks: Chunk[],
    private readonly expected: number,
    private readonly map: StatusMap<R>,
  ) {
    super();
    this.chunks = chunks;
    this.keyCount = expected;
  }

  onReply(reply: Reply, server: string): boolean {
    const mapped = this.map[reply.type];
    if (mapped !== undefined) {
      this.results.push(mapped);
    } else {
      const err = this.errorOf(reply, server);
      if (!err) return this.unexpected(reply, server);
      if (this.expected === 1) return this.reject(err);
      this.pendingError ??= err;
      this.results.push(undefined as R);
    }
    return this.results.length === this.expected ? this.resolve(this.results) : MORE;
  }
}

/** `incr`/`decr`: the new value, or undefined for NOT_FOUND. */
export class TextArithmeticRequest extends Request<bigint | undefined> {
  constructor(
    readonly command: string,
    line: string,
  ) {
    super();
    this.chunks = [line];
  }

  onReply(reply: Reply, server: string): boolean {
    if (reply.type === 'NUMBER') return this.resolve(reply.value);
    if (reply.type === 'NOT_FOUND') return this.resolve(undefined);
    return this.fail(reply, server);
  }
}
