/**
 * A getMulti share sent as quiet meta gets (`mg <key> [b] v f O<n> q` per key,
 * then `mn`): used for a server's group of mapped keys that holds a binary
 * key, which a text `get` line cannot carry. Misses cost no bytes (quiet mode
 * suppresses `EN`); each hit names its item by opaque, so a hit can only fill
 * the key it was asked for.
 */
import { encodeMetaGetBatch, type Reply } from '@memkit/protocol';
import type { GetGroup } from '../commands/multi';
import type { Serializer } from '../serialization/index';
import { MetaBatchRequest, reserveOpaques } from './meta';

/** Quiet `mg` batch filling the caller's map (hits only), keyed by the caller's keys. */
class MetaMultiGetRequest<T> extends MetaBatchRequest<Map<string, T>> {
  private error: Error | undefined;

  constructor(
    line: string,
    base: number,
    private readonly keys: readonly string[],
    private readonly out: Map<string, T>,
    private readonly serializer: Serializer,
  ) {
    super('getMulti', [line], keys.length, base);
  }

  override onReply(reply: Reply, server: string): boolean {
    if (reply.type === 'MN' && this.error) return this.reject(this.error);
    return super.onReply(reply, server);
  }

  protected item(index: number, reply: Reply, server: string): void {
    if (reply.type !== 'VA') return void this.unexpected(reply, server);
    try {
      this.out.set(this.keys[index]!, this.serializer.deserialize(reply.value, reply.flags ?? 0) as T);
    } catch (e) {
      // A value that cannot be decoded fails the call once the batch ended (the stream stays in sync).
      this.error ??= e as Error;
    }
  }

  protected result(): Map<string, T> {
    return this.out;
  }
}

/** The request for one server's group (`g.base64` marks which wire keys are base64 tokens). */
export function metaMultiGet<T>(
  g: GetGroup,
  out: Map<string, T>,
  serializer: Serializer,
): MetaBatchRequest<Map<string, T>> {
  const base = reserveOpaques(g.wires.length);
  const line = encodeMetaGetBatch(g.wires, { value: true, flags: true, quiet: true }, base, g.base64);
  return new MetaMultiGetRequest(line, base, g.keys, out, serializer);
}
