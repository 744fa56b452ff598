/**
 * A bounded background load for tests: a few loops of set/get/miss through
 * the memkit client until stopped (or a hard time cap), so rates are non-zero.
 */
import { Client } from '@memkit/client';

/** A running load. */
export interface Load {
  /** Stops the loops; resolves with the number of operations sent. */
  stop(): Promise<number>;
}

/** Starts `loops` loops against `servers`; each loop stops itself after `maxMs`. */
export function startLoad(servers: string[], { loops = 3, maxMs = 20_000 } = {}): Load {
  const client = new Client({ servers });
  let running = true;
  let ops = 0;
  const deadline = Date.now() + maxMs;
  const loop = async (id: number) => {
    let i = 0;
    while (running && Date.now() < deadline) {
      const key = `load:${id}:${i++ % 50}`;
      await client.set(key, `value-${i}`);
      await client.get(key);
      await client.get(`load:missing:${i}`);
      ops += 3;
    }
  };
  const done = Promise.all(Array.from({ length: loops }, (_, id) => loop(id)));
  return {
    async stop() {
      running = false;
      await done;
      await client.close();
      return ops;
    },
  };
}
