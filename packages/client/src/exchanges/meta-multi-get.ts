/**
 * A getMulti / getsMulti share sent as quiet meta gets (`mg <key> [b] v f
 * [c] O<n> q` per key, then `mn`): used by the meta dialect for a server's
 * group that holds a binary wire key (a mapped key, `keyMapping: 'auto'`),
 * which a text `get` line cannot carry. Misses cost no bytes (quiet mode
 * suppresses `EN`); each hit names its item by opaque, so a hit can only fill
 * the key it was asked for.
 */
import { encodeMetaGetBatch, type Reply } from '@memkit/protocol';
import type { Serializer } from '../serialization/index';
import { MetaBatch } from './meta';
import { reserveOpaques } from './opaque';

/** Quiet `mg` batch filling the caller's map (hits only), keyed by the caller's keys. */
export class MetaMultiGetExchange<T> extends MetaBatch<Map<string, T>> {
  private constructor(
    command: string,
    line: string,
    base: number,
    private readonly keys: readonly string[],
    private readonly out: Map<string, T>,
    private readonly serializer: Serializer,
    private readonly withCas: boolean,
  ) {
    super(command, [line], keys.length, base);
  }

  /** The exchange for one server's share: `wires[i]` is a base64 token where `base64[i]`. */
  static of<T>(
    command: string,
    wires: readonly string[],
    base64: readonly boolean[],
    keys: readonly string[],
    out: Map<string, T>,
    serializer: Serializer,
    withCas: boolean,
  ): MetaMultiGetExchange<T> {
    const base = reserveOpaques(wires.length);
    const line = encodeMetaGetBatch(
      wires,
      { value: true, flags: true, cas: withCas, quiet: true },
      base,
      base64,
    );
    return new MetaMultiGetExchange(command, line, base, keys, out, serializer, withCas);
  }

  protected item(index: number, reply: Reply, server: string): void {
    if (reply.type !== 'VA') return void this.unexpected(reply, server);
    try {
      const value = this.serializer.deserialize(reply.value, reply.flags ?? 0);
      this.out.set(this.keys[index]!, (this.withCas ? { value, cas: reply.cas } : value) as T);
    } catch (e) {
      // A value that cannot be decoded fails the call once the batch ended (the stream stays in step).
      this.valueError ??= e as Error;
    }
  }

  protected result(): Map<string, T> {
    return this.out;
  }
}
