/**
 * One namespace on one client: its scope (key prefix, see keys.ts), the
 * client view that maps every key under that scope, and its generation
 * counter. Reads and writes run at the cached generation while the counter
 * is re-read in the same round trip, so a clear() from any process is seen
 * by the very next operation.
 */
import type { Client, MappedKey } from '@memkit/client';
import { type Tolerated, tolerate } from './failures';
import { Generation } from './generation';
import { dataKey, GENERATION_KEY, namespaceScope } from './keys';

export class NamespaceScope {
  /** The full key prefix of the namespace, the client's own prefix included. */
  readonly prefix: string;
  /** The client view every key of the namespace goes through (`keyPrefix: prefix`, `keyMapping: 'auto'`). */
  readonly keys: Client;
  readonly generation: Generation;

  constructor(
    client: Client,
    keyPrefix: string,
    /** The namespace this scope was built for. */
    readonly namespace: string | undefined,
  ) {
    this.prefix = namespaceScope(client.keyPrefix, keyPrefix, namespace);
    this.keys = client.withKeyOptions({ keyPrefix: this.prefix, keyMapping: 'auto' });
    this.generation = new Generation(this.keys, GENERATION_KEY, client, this.prefix + GENERATION_KEY);
  }

  /** The memcached key (mapped) that holds `logical` at generation `gen`. */
  mapped(gen: string, logical: string): MappedKey {
    return this.keys.mappedKey(dataKey(gen, logical));
  }

  /**
   * Reads data keys together with the generation counter (one batch). Keys
   * whose server failed read as undefined and are listed in `failures`; the
   * counter's server must answer (without it a clear() elsewhere could go
   * unseen), so its failure rejects the read.
   */
  async read(logical: readonly string[]): Promise<Tolerated<unknown[]>> {
    const generation = this.generation;
    const gen = await generation.current();
    const keys = logical.map((k) => dataKey(gen, k));
    const batch = [GENERATION_KEY, ...keys];
    const first = await tolerate(this.keys.getMulti(batch), batch);
    const counter = first.failures.find((f) => f.indexes.includes(0));
    if (counter) throw counter.error;
    const hits = first.value;
    const now = generation.observe(hits.get(GENERATION_KEY));
    if (now === undefined) {
      // The counter was evicted: a re-created one starts a fresh generation with nothing in it.
      await generation.create();
      return { value: logical.map(() => undefined), failures: [] };
    }
    if (now === gen) {
      const failures = first.failures.map((f) => ({ ...f, indexes: f.indexes.map((i) => i - 1) }));
      return { value: keys.map((k) => hits.get(k)), failures };
    }
    const moved = logical.map((k) => dataKey(now, k));
    const again = await tolerate(this.keys.getMulti(moved), moved);
    return { value: moved.map((k) => again.value.get(k)), failures: again.failures };
  }

  /**
   * Runs an operation at the cached generation while re-reading the counter
   * in the same round trip; if a clear() elsewhere moved it, the operation is
   * repeated at the new generation, so a write is not lost in the cleared
   * namespace and a read never returns a cleared value.
   */
  async write<T>(op: (gen: string) => Promise<T>): Promise<T> {
    const generation = this.generation;
    const gen = await generation.current();
    const [result, raw] = await Promise.all([op(gen), this.keys.get(GENERATION_KEY)]);
    const now = generation.observe(raw) ?? (await generation.create());
    return now === gen ? result : op(now);
  }
}
