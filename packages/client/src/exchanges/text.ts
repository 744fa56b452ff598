/**
 * Exchanges spoken in the classic text protocol (for servers without meta
 * commands, and for multi-key gets in both dialects). Replies carry no
 * tokens, so each exchange counts the replies it is owed and checks that
 * every one is a word its command can produce; VALUE blocks must name a key
 * the exchange asked for.
 */
import type { Buffer } from 'node:buffer';
import { type Chunk, type MemkitError, ProtocolError, type Reply, type ValueView } from '@memkit/protocol';
import type { Serializer } from '../serialization/index';
import { deserializeRange } from '../serialization/slice';
import { Exchange, LineExchange, MORE } from './exchange';
import { KeyCursor } from './key-cursor';

/** A value with its CAS unique (`gets`, `gats`, `getsMulti`). */
export interface CasResult<T> {
  /** The stored value, deserialized. */
  value: T;
  /** The item's CAS unique, to pass to `cas()`. */
  cas: bigint;
}

/**
 * `get`/`gets`/`gat`/`gats` over one or more command lines, each ending with
 * `END`. Every VALUE must name a key that was asked for (matched in order,
 * see `KeyCursor`); values arrive as in-place views on the fast path
 * (`onValue`) or as `ValueReply`s when they spanned socket reads.
 */
abstract class TextRetrieval<R> extends Exchange<R> {
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

  /** Records the value of requested key `index` (`cas` is set for `gets`/`gats`). */
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
    if (reply.type !== 'END') return this.unexpected(reply, server);
    if (--this.endsLeft > 0) return MORE;
    if (this.error) return this.reject(this.error);
    return this.resolve(this.result());
  }

  /** An error reply ends one command line's reply; the exchange is reported failed at the end. */
  override onError(err: MemkitError): boolean {
    this.pendingError ??= err;
    if (--this.endsLeft > 0) return MORE;
    return this.reject(err);
  }

  /**
   * The value `buf[start, end)` of requested key `i` (-1: not asked for, the stream is out of
   * sync). A value that cannot be decoded fails the exchange once its last `END` arrives.
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
}

/**
 * A single-key `get`/`gets`/`gat`/`gats`: the value (or `{ value, cas }`
 * when `withCas`), undefined on a miss.
 */
export class TextGetExchange extends TextRetrieval<unknown> {
  private found: unknown;

  constructor(
    command: string,
    line: string,
    wireKey: string,
    serializer: Serializer,
    private readonly withCas: boolean,
  ) {
    super(command, [line], [wireKey], serializer);
  }

  protected hit(_index: number, value: unknown, cas: bigint | undefined): void {
    this.found = this.withCas ? { value, cas } : value;
  }

  protected result(): unknown {
    return this.found;
  }
}

/**
 * getMulti / getsMulti over text `get`/`gets` lines: fills the caller's
 * result map directly (hits only), keyed by the caller's own keys (`keys[i]`
 * was sent as `wireKeys[i]`). With `withCas`, each entry is `{ value, cas }`.
 */
export class TextMultiGetExchange<T> extends TextRetrieval<Map<string, T>> {
  constructor(
    command: string,
    lines: string[],
    wireKeys: readonly string[],
    private readonly keys: readonly string[],
    private readonly out: Map<string, T>,
    serializer: Serializer,
    private readonly withCas: boolean,
  ) {
    super(command, lines, wireKeys, serializer);
  }

  protected hit(index: number, value: unknown, cas: bigint | undefined): void {
    this.out.set(this.keys[index]!, (this.withCas ? { value, cas } : value) as T);
  }

  protected result(): Map<string, T> {
    return this.out;
  }
}

/** What a status word means for a command: true (done), false (not done); absent: impossible here. */
export type StatusMap = Partial<Record<Reply['type'], boolean>>;

/** One text command answered by one status word (STORED, DELETED, TOUCHED, OK …). */
export class TextStatusExchange extends Exchange<boolean> {
  constructor(
    readonly command: string,
    chunks: Chunk[],
    private readonly map: StatusMap,
  ) {
    super();
    this.chunks = chunks;
  }

  onReply(reply: Reply, server: string): boolean {
    const mapped = this.map[reply.type];
    if (mapped === undefined) return this.unexpected(reply, server);
    return this.resolve(mapped);
  }
}

/**
 * `count` consecutive text commands answered by one status word each.
 * Result: the indexes of the commands whose word maps to false, ascending.
 * An error reply answers its command; the exchange fails once all replies
 * are in.
 */
export class TextBatchStatusExchange extends Exchange<number[]> {
  private seen = 0;
  private readonly failed: number[] = [];

  constructor(
    readonly command: string,
    chunks: Chunk[],
    count: number,
    private readonly map: StatusMap,
  ) {
    super();
    this.chunks = chunks;
    this.keyCount = count;
  }

  onReply(reply: Reply, server: string): boolean {
    const mapped = this.map[reply.type];
    if (mapped === undefined) return this.unexpected(reply, server);
    if (!mapped) this.failed.push(this.seen);
    return this.next();
  }

  override onError(err: MemkitError): boolean {
    this.pendingError ??= err;
    return this.next();
  }

  private next(): boolean {
    return ++this.seen === this.keyCount ? this.resolve(this.failed) : MORE;
  }
}

/** `incr`/`decr`: the new value, or undefined for NOT_FOUND. */
export class TextArithmeticExchange extends LineExchange<bigint | undefined> {
  onReply(reply: Reply, server: string): boolean {
    if (reply.type === 'NUMBER') return this.resolve(reply.value);
    if (reply.type === 'NOT_FOUND') return this.resolve(undefined);
    return this.unexpected(reply, server);
  }
}
