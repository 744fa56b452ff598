/**
 * A demo workload so the charts have something to show: a few loops of
 * gets (about four in five hit), sets and the odd delete, paced to a target
 * rate. It only ever talks to the servers it is given, and stops on `stop()`
 * or after `maxMs`.
 */
import { Client } from '@memkit/client';

/** Options of {@link startDemoLoad}. */
export interface DemoLoadOptions {
  /** Target operations per second across all loops. Default 400. */
  opsPerSec?: number;
  /** Concurrent loops. Default 4. */
  loops?: number;
  /** Distinct keys. Default 500. */
  keys?: number;
  /** Stop by itself after this long (ms). Default: never. */
  maxMs?: number;
}

/** A running load. */
export interface DemoLoad {
  /** Operations sent so far. */
  readonly ops: number;
  /** Stops the loops and closes the client. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the load against `servers`, or the nodes a configuration endpoint publishes (followed as they change). */
export function startDemoLoad(
  servers: string[] | { configEndpoint: string },
  options: DemoLoadOptions = {},
): DemoLoad {
  const client = new Client(
    Array.isArray(servers)
      ? { servers }
      : { discovery: { configEndpoint: servers.configEndpoint, interval: 1000 } },
  );
  const loops = options.loops ?? 4;
  const keys = options.keys ?? 500;
  const perLoopDelayMs = 1000 / ((options.opsPerSec ?? 400) / loops);
  const deadline = options.maxMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.maxMs;
  let running = true;
  let ops = 0;

  const loop = async () => {
    while (running && Date.now() < deadline) {
      const n = Math.floor(Math.random() * keys);
      const key = `demo:${n}`;
      const roll = Math.random() * 100;
      try {
        if (roll < 80) {
          // Read-through: a miss is filled at once, so most gets hit.
          if ((await client.get(key)) === undefined)
            await client.set(key, { n, at: Date.now() }, { ttl: 300 });
        } else if (roll < 97) {
          await client.set(key, { n, at: Date.now() }, { ttl: 300 });
        } else {
          await client.delete(key);
        }
        ops++;
      } catch {
        // A server going away mid-demo is what the dashboard is there to show; keep going.
        await sleep(200);
      }
      await sleep(perLoopDelayMs);
    }
  };
  const done = Promise.all(Array.from({ length: loops }, () => loop()));

  return {
    get ops() {
      return ops;
    },
    async stop() {
      running = false;
      await done;
      await client.close();
    },
  };
}
