/**
 * The meta exchanges of the near cache: the CAS check that revalidates an
 * entry (`mg <key> c t`, no value), and the quiet multi-key fetch of the
 * keys a getMulti could not serve locally (`mg <key> v f c h l t O<n> q` per
 * key, then `mn`), which hands each hit's raw reply to the near cache so it
 * can apply its admission rule. (A single-key fetch is a `MetaReplyExchange`.)
 */
import { encodeMetaGetBatch, type MetaReplyFlags, type MetaValueReply, type Reply } from '@memkit/protocol';
import { MetaBatch, MetaSingle } from './meta';
import { reserveOpaques } from './opaque';

/** `mg <key> c t`: the `HD` reply with the item's CAS and remaining TTL, or undefined on a miss (`EN`). */
export class MetaCasExchange extends MetaSingle<MetaReplyFlags | undefined> {
  protected map(reply: Reply, server: string): MetaReplyFlags | undefined {
    if (reply.type === 'EN') return undefined;
    if (reply.type !== 'HD' || reply.cas === undefined) return this.unexpected(reply, server);
    return reply;
  }
}

/** Receives the hits of a near-cache multi-key fetch, and its end. */
export interface NearHitSink {
  /** A hit for the key at `index` of the keys the exchange was built for. May throw (an undecodable value). */
  hit(index: number, reply: MetaValueReply): void;
  /** The exchange settled (resolved or rejected): called exactly once. */
  end(): void;
}

/**
 * The quiet `mg` batch of a near-cache getMulti share: hits go to the sink
 * (which fills `out`), misses cost no bytes. Resolves `out`.
 */
export class MetaNearMultiGetExchange<T> extends MetaBatch<Map<string, T>> {
  private constructor(
    command: string,
    line: string,
    count: number,
    base: number,
    private readonly out: Map<string, T>,
    private readonly sink: NearHitSink,
  ) {
    super(command, [line], count, base);
  }

  /** The exchange for one server's share: `wires[i]` is a base64 token where `base64[i]`. */
  static of<T>(
    command: string,
    wires: readonly string[],
    base64: readonly boolean[] | undefined,
    out: Map<string, T>,
    sink: NearHitSink,
  ): MetaNearMultiGetExchange<T> {
    const base = reserveOpaques(wires.length);
    const line = encodeMetaGetBatch(
      wires,
      { value: true, flags: true, cas: true, hit: true, lastAccess: true, ttl: true, quiet: true },
      base,
      base64,
    );
    return new MetaNearMultiGetExchange(command, line, wires.length, base, out, sink);
  }

  protected item(index: number, reply: Reply, server: string): void {
    if (reply.type !== 'VA') return void this.unexpected(reply, server);
    try {
      this.sink.hit(index, reply);
    } catch (e) {
      // A value that cannot be decoded fails the call once the batch ended (the stream stays in step).
      this.valueError ??= e as Error;
    }
  }

  protected result(): Map<string, T> {
    return this.out;
  }

  override resolve(value: Map<string, T>): boolean {
    if (!this.settled) this.sink.end();
    return super.resolve(value);
  }

  override reject(err: Error): boolean {
    if (!this.settled) this.sink.end();
    return super.reject(err);
  }
}
