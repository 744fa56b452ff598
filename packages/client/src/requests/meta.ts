/**
 * Requests spoken in the meta protocol. Every meta command carries an opaque
 * token that the reply must echo, so a reply can only be accepted by the
 * request it was meant for. Batches use quiet mode (`q`) and end with `mn`,
 * so misses and successes cost no bytes on the wire.
 */
import { type Chunk, encodeMetaNoop, type MetaValueReply, ProtocolError, type Reply } from '@memkit/protocol';
import { DONE, MORE, Request } from '../connection/request';
import type { Serializer } from '../serialization/index';

/**
 * Opaque tokens are the decimal form of one counter shared by every meta
 * request: single commands take one number, batches a consecutive range. A
 * token is never reused while the previous holder could still be in flight
 * (2^31 requests later), so a stale reply (the stream shifted by one) can
 * never match a later request's token.
 */
const OPAQUE_MAX = 0x7fffffff;
let opaqueCounter = 0;

/** A short opaque token, unique among the requests in flight. */
export function nextOpaque(): string {
  opaqueCounter = opaqueCounter >= OPAQUE_MAX ? 1 : opaqueCounter + 1;
  return String(opaqueCounter);
}

/**
 * Reserves `count` consecutive opaque numbers for a batch and returns the
 * first; item `i` sends `batchOpaque(base, i)`. A range never wraps, so the
 * numbers of one batch are always `base … base + count - 1`.
 */
export function reserveOpaques(count: number): number {
  if (opaqueCounter + count > OPAQUE_MAX) opaqueCounter = 0;
  const base = opaqueCounter + 1;
  opaqueCounter += count;
  return base;
}

/** The opaque token of item `i` of a batch whose reserved range starts at `base`. */
export function batchOpaque(base: number, i: number): string {
  return String(base + i);
}

/**
 * Parses a token written by `batchOpaque` (canonical decimal, no leading
 * zero); -1 for anything else, so a foreign or garbled token can never be
 * taken for an item of a batch. No allocation.
 */
function parseOpaque(token: string): number {
  const len = token.length;
  if (len === 0 || len > 10 || (len > 1 && token.charCodeAt(0) === 0x30)) return -1;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const d = token.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n > OPAQUE_MAX ? -1 : n;
}

/** Base of single-command meta requests: checks the opaque, maps errors. */
abstract class MetaSingle<T> extends Request<T> {
  constructor(
    readonly command: string,
    readonly opaque: string,
    line: Chunk[],
  ) {
    super();
    this.chunks = line;
  }

  protected override isMeta(): boolean {
    return true;
  }

  onReply(reply: Reply, server: string): boolean {
    const err = this.errorOf(reply, server);
    if (err) return this.reject(err);
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
export class MetaGetRequest extends MetaSingle<unknown> {
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
export class MetaStatusRequest extends MetaSingle<boolean> {
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

/** `ma` with `v`: the new value, or undefined when the key is missing. */
export class MetaArithmeticRequest extends MetaSingle<bigint | undefined> {
  protected map(reply: Reply, server: string): bigint | undefined {
    if (reply.type === 'NF') return undefined;
    if (reply.type !== 'VA') return this.unexpected(reply, server);
    const text = reply.value.toString('latin1');
    if (!/^\d+$/.test(text))
      throw new ProtocolError(`${server} ${this.command}: bad number ${JSON.stringify(text)}`);
    return BigInt(text);
  }
}

/** `mg` returning the raw reply (flags W/X/Z etc.), for stampede protection. */
export class MetaRawGetRequest extends MetaSingle<MetaValueReply | undefined> {
  protected map(reply: Reply, server: string): MetaValueReply | undefined {
    if (reply.type === 'EN') return undefined;
    if (reply.type !== 'VA') return this.unexpected(reply, server);
    return reply;
  }
}

/**
 * A batch of quiet meta commands (`… O<i> q` per item) closed by `mn`. Only
 * replies that quiet mode does not suppress arrive (failures of `ms`/`md`), each tagged with its item's opaque `batchOpaque(base, i)`.
 */
export abstract class MetaBatchRequest<T> extends Request<T> {
  private seenNoop = false;

  constructor(
    readonly command: string,
    lines: Chunk[],
    count: number,
    /** First opaque number of the batch (from `reserveOpaques`). */
    private readonly base = 0,
  ) {
    super();
    lines.push(encodeMetaNoop());
    this.chunks = lines;
    this.keyCount = count;
  }

  protected override isMeta(): boolean {
    return true;
  }

  onReply(reply: Reply, server: string): boolean {
    if (reply.type === 'MN') {
      this.seenNoop = true;
      return this.resolve(this.result());
    }
    const err = this.errorOf(reply, server);
    if (err) {
      // Keep consuming until MN; the error is reported when the batch ends.
      this.pendingError ??= err;
      return MORE;
    }
    const opaque = 'opaque' in reply ? reply.opaque : undefined;
    if (opaque === undefined) return this.unexpected(reply, server);
    const index = parseOpaque(opaque) - this.base;
    if (!(index >= 0 && index < this.keyCount)) return this.unexpected(reply, server);
    this.item(index, reply, server);
    return MORE;
  }

  /** Records a non-suppressed reply for item `index`. */
  protected abstract item(index: number, reply: Reply, server: string): void;
  /** The batch result once `MN` arrived. */
  protected abstract result(): T;

  /** True once the closing `MN` was read. */
  get complete(): boolean {
    return this.seenNoop;
  }
}

/** Quiet `ms`/`md` batch: replies arrive only for items that failed. Result: failed item indexes. */
export class MetaMultiStatusRequest extends MetaBatchRequest<number[]> {
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

export { DONE };
