/**
 * Requests spoken in the classic text protocol (for servers without meta
 * commands). Replies carry no tokens, so each request counts the replies it
 * is owed and checks that every one is a word its command can produce; VALUE
 * blocks must name a key the request asked for.
 */
import { type Chunk, ProtocolError, type Reply } from '@memkit/protocol';
import { MORE, Request } from '../connection/request';
import type { Serializer } from '../serialization/index';

/** Result of a text retrieval: value + cas per requested wire key index. */
export type TextHit<T> = { value: T; cas: bigint | undefined };

/** `get`/`gets`/`gat`/`gats` over one or more command lines, each ending with `END`. */
export class TextGetRequest<T> extends Request<Array<TextHit<T> | undefined>> {
  private endsLeft: number;
  private readonly values: Array<TextHit<T> | undefined>;
  private readonly index = new Map<string, number>();
  private error: Error | undefined;

  constructor(
    readonly command: string,
    lines: string[],
    wireKeys: readonly string[],
    private readonly serializer: Serializer,
  ) {
    super();
    this.chunks = lines;
    this.endsLeft = lines.length;
    this.keyCount = wireKeys.length;
    this.values = new Array(wireKeys.length);
    wireKeys.forEach((k, i) => {
      if (!this.index.has(k)) this.index.set(k, i);
    });
  }

  onReply(reply: Reply, server: string): boolean {
    if (reply.type === 'VALUE') {
      const i = this.index.get(reply.key);
      if (i === undefined) {
        throw new ProtocolError(`${server} ${this.command}: VALUE for a key that was not asked for`, {
          server,
        });
      }
      try {
        this.values[i] = {
          value: this.serializer.deserialize(reply.value, reply.flags) as T,
          cas: reply.cas,
        };
      } catch (e) {
        this.error ??= e as Error;
      }
      return MORE;
    }
    if (reply.type === 'END') {
      if (--this.endsLeft > 0) return MORE;
      if (this.error) return this.reject(this.error);
      return this.resolve(this.values);
    }
    return this.failOrUnexpected(reply, server);
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
