/**
 * A steady load for topology-change tests: workers set and read back their
 * own keys (so every expected value is known), recording every wrong value
 * and every rejected command with the key it was for. A wrong value is one
 * this worker never wrote last for that key; a miss is allowed (a key whose
 * server changed starts empty on its new server).
 */
import type { Client, TopologyEvent } from '../../src/index';

export interface LoadFailure {
  key: string;
  op: 'set' | 'get';
  error: unknown;
}

export interface Load {
  /** Operations completed. */
  readonly ops: number;
  readonly wrong: Array<{ key: string; expected: string; got: unknown }>;
  readonly failures: LoadFailure[];
  /** Resolves when every operation started before this call has settled. */
  quiesce(): Promise<void>;
  /** Waits until `n` more operations completed. */
  more(n: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `workers` loops over `keysPerWorker` keys each. */
export function startLoad(client: Client, workers = 8, keysPerWorker = 200, prefix = 'load'): Load {
  let running = true;
  let ops = 0;
  const wrong: Load['wrong'] = [];
  const failures: LoadFailure[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const waiters: Array<{ at: number; resolve: () => void }> = [];
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.then(
      () => inFlight.delete(p),
      () => inFlight.delete(p),
    );
    return p;
  };
  const tick = () => {
    ops++;
    for (const w of [...waiters]) {
      if (ops >= w.at) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const failed = async (failure: LoadFailure) => {
    failures.push(failure);
    // A closed client fails at once: stop instead of spinning on rejected promises.
    if ((failure.error as { code?: string }).code === 'ERR_CLIENT_CLOSED') running = false;
    await new Promise((resolve) => setImmediate(resolve));
  };
  const worker = async (w: number) => {
    const last = new Map<string, string>();
    let n = 0;
    while (running) {
      const key = `${prefix}:${w}:${n % keysPerWorker}`;
      const value = `${key}#${n}`;
      n++;
      try {
        if (await track(client.set(key, value))) last.set(key, value);
      } catch (error) {
        // The value may or may not have been stored: either is now a valid read.
        last.delete(key);
        await failed({ key, op: 'set', error });
      }
      tick();
      try {
        const got = await track(client.get<string>(key));
        const expected = last.get(key);
        if (got !== undefined && expected !== undefined && got !== expected)
          wrong.push({ key, expected, got });
        if (got !== undefined && expected === undefined && !got.startsWith(`${key}#`)) {
          wrong.push({ key, expected: '(any own value)', got });
        }
      } catch (error) {
        await failed({ key, op: 'get', error });
      }
      tick();
    }
  };
  const done = Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  return {
    get ops() {
      return ops;
    },
    wrong,
    failures,
    async quiesce() {
      await Promise.allSettled([...inFlight]);
    },
    more(n) {
      return new Promise((resolve) => waiters.push({ at: ops + n, resolve }));
    },
    async stop() {
      running = false;
      await done;
    },
  };
}

/**
 * The next `topology` event. (`events.once` would also reject on the
 * client's `error` events, which discovery emits for every failed poll.)
 */
export function nextTopology(client: Client): Promise<TopologyEvent> {
  return new Promise((resolve) => client.once('topology', resolve));
}
