/**
 * Exchanges spoken in the meta protocol. Every meta command carries an
 * opaque token that the reply must echo, so a reply can only be accepted by
 * the exchange it was meant for. Batches use quiet mode (`q`) and end with
 * `mn`, so misses and successes cost no bytes on the wire.
 */
import {
  type Chunk,
  encodeMetaNoop,
  type MemkitError,
  type MetaValueReply,
  ProtocolError,
  type Reply,
} from '@memkit/protocol';
import type { Serializer } from '../serialization/index';
import { Exchange, MORE } from './exchange';
import { parseOpaque } from './opaque';

/** Base of single-command meta exchanges: checks the opaque, then maps the reply to the result. */
export abstract class MetaSingle<T> extends Exchange<T> {
  override get meta(): boolean {
    return true;
  }

  constructor(
    readonly command: string,
    readonly opaque: string,
    chunks: Chunk[],
  ) {
    super();
    this.chunks = chunks;
  }

  onReply(reply: Reply, server: string): boolean {
    if (!('opaque' in reply) || reply.opaque !== this.opaque) return this.unexpected(reply, server);
    let result: T;
    try {
      result = this.map(reply, server);
    } catch (e) {
      if (e instanceof ProtocolError) throw e;
      return this.reject(e as Error);
    }
    return this.resolve(result);
  }

  /** Turns the reply into the result; throws ProtocolError for a reply word that makes no sense. */
  protected abstract map(reply: Reply, server: string): T;
}

/**
 * `mg` with `v f [c]`: the deserialized value (or `{ value, cas }` when
 * `withCas`), undefined on a miss. Producing the final result here saves a
 * promise hop per get.
 */
export class MetaGetExchange extends MetaSingle<unknown> {
  constructor(
    command: string,
    opaque: string,
    line: string,
    private readonly serializer: Serializer,
    private readonly withCas: boolean,
  ) {
    super(command, opaque, [line]);
  }

  protected map(reply: Reply, server: string): unknown {
    if (reply.type === 'EN') return undefined;
    if (reply.type !== 'VA') return this.unexpected(reply, server);
    const value = this.serializer.deserialize(reply.value, reply.flags ?? 0);
    return this.withCas ? { value, cas: reply.cas } : value;
  }
}

/** Meta commands whose result is a status: `HD` → true; `NS`/`EX`/`NF`/`EN` → false. */
export class MetaStatusExchange extends MetaSingle<boolean> {
  protected map(reply: Reply, server: string): boolean {
    switch (reply.type) {
      case 'HD':
        return true;
      case 'NS':
      case 'EX':
      case 'NF':
      case 'EN':
        return false;
      default:
        return this.unexpected(reply, server);
    }
  }
}

/** `ma` with `v`: the new value, or undefined when the key is missing (and was not created). */
export class MetaArithmeticExchange extends MetaSingle<bigint | undefined> {
  protected map(reply: Reply, server: string): bigint | undefined {
    if (reply.type === 'NF') return undefined;
    if (reply.type !== 'VA') return this.unexpected(reply, server);
    const text = reply.value.toString('latin1');
    if (!/^\d+$/.test(text))
      throw new ProtocolError(`${server} ${this.command}: bad number ${JSON.stringify(text)}`);
    return BigInt(text);
  }
}

/**
 * `mg` returning the raw `VA` reply (undefined on `EN`), for the callers
 * that read its flags: W/X/Z for stampede protection, h/l/c/t for the near
 * cache.
 */
export class MetaReplyExchange extends MetaSingle<MetaValueReply | undefined> {
  protected map(reply: Reply, server: string): MetaValueReply | undefined {
    if (reply.type === 'EN') return undefined;
    if (reply.type !== 'VA') return this.unexpected(reply, server);
    return reply;
  }
}

/**
 * A batch of quiet meta commands (`… O<i> q` per item) closed by `mn`. Only
 * replies that quiet mode does not suppress arrive (failures of `ms`/`md`),
 * each tagged with its item's opaque `batchOpaque(base, i)`.
 */
export abstract class MetaBatch<T> extends Exchange<T> {
  /** A value that could not be decoded: the batch fails with it once `MN` arrived. */
  protected valueError: Error | undefined;

  override get meta(): boolean {
    return true;
  }

  constructor(
    readonly command: string,
    lines: Chunk[],
    count: number,
    /** First opaque number of the batch (from `reserveOpaques`). */
    private readonly base: number,
  ) {
    super();
    lines.push(encodeMetaNoop());
    this.chunks = lines;
    this.keyCount = count;
  }

  onReply(reply: Reply, server: string): boolean {
    if (reply.type === 'MN') {
      // An error reply (pendingError) wins; resolve() reports it.
      if (this.valueError && !this.pendingError) return this.reject(this.valueError);
      return this.resolve(this.result());
    }
    const opaque = 'opaque' in reply ? reply.opaque : undefined;
    if (opaque === undefined) return this.unexpected(reply, server);
    const index = parseOpaque(opaque) - this.base;
    if (!(index >= 0 && index < this.keyCount)) return this.unexpected(reply, server);
    this.item(index, reply, server);
    return MORE;
  }

  /** An error reply answers one item: keep consuming until `MN`, then report it. */
  override onError(err: MemkitError): boolean {
    this.pendingError ??= err;
    return MORE;
  }

  /** Records a non-suppressed reply for item `index`. */
  protected abstract item(index: number, reply: Reply, server: string): void;
  /** The batch result once `MN` arrived. */
  protected abstract result(): T;
}

/** Quiet `ms`/`md` batch: replies arrive only for items that failed. Result: their indexes, ascending. */
export class MetaBatchStatusExchange extends MetaBatch<number[]> {
  private readonly failed: number[] = [];

  protected item(index: number, reply: Reply, server: string): void {
    switch (reply.type) {
      case 'NS':
      case 'EX':
      case 'NF':
        this.failed.push(index);
        return;
      default:
        this.unexpected(reply, server);
    }
  }

  protected result(): number[] {
    return this.failed.sort((a, b) => a - b);
  }
}

/** One quiet meta command (noreply) closed by `mn`: true unless a failure reply (`NS`/`EX`/`NF`) came. */
export class MetaQuietExchange extends MetaBatch<boolean> {
  private ok = true;

  protected item(_index: number, reply: Reply, server: string): void {
    if (reply.type !== 'NS' && reply.type !== 'EX' && reply.type !== 'NF') this.unexpected(reply, server);
    this.ok = false;
  }

  protected result(): boolean {
    return this.ok;
  }
}
