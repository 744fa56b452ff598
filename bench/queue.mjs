// The measurement behind the client's default `maxQueue` (commands one server may have queued or
// in flight before new ones fail with ERR_QUEUE_FULL):
//  1. Cost of a waiting get: N gets offered to a memcached stopped with SIGSTOP, with no queue
//     limit; the heap growth after GC divided by N (the client's request plus the caller's promise).
//  2. What a server gets through in one default timeout: bursts of B un-awaited gets to a running
//     memcached (one Client, default options), timed until the last reply. A command queued
//     behind more than (gets per second x timeout) others cannot be answered before it times out.
//
//   node --expose-gc queue.mjs        (what `bench:queue` runs)
import { Client } from '@memkit/client';
import { startMemcached } from './lib/server.mjs';

if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
const WAITING = Number(process.env.QUEUE_WAITING ?? 200_000);
const BURST = Number(process.env.QUEUE_BURST ?? 100_000);
const ROUNDS = 5;
const DEFAULT_TIMEOUT_MS = 1000;

const heapAfterGc = async () => {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
};

async function bytesPerWaitingGet() {
  const mc = await startMemcached({ threads: 2, memoryMb: 64 });
  const client = new Client({ servers: [mc.server], timeout: 60_000, maxQueue: 10 * WAITING });
  try {
    await client.set('k', 'v');
    const base = await heapAfterGc();
    process.kill(mc.pid, 'SIGSTOP');
    let settled = 0;
    for (let i = 0; i < WAITING; i++) {
      client.get('k').then(
        () => settled++,
        () => settled++,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
    const grown = (await heapAfterGc()) - base;
    if (settled !== 0) throw new Error(`${settled} gets settled against a stopped server`);
    return grown / WAITING;
  } finally {
    process.kill(mc.pid, 'SIGCONT');
    await client.close();
    await mc.stop();
  }
}

async function getsPerSecond() {
  const mc = await startMemcached({ threads: 2, memoryMb: 64 });
  const client = new Client({ servers: [mc.server], timeout: 60_000, maxQueue: 10 * BURST });
  const rates = [];
  try {
    await client.set('k', 'v'.repeat(100));
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = performance.now();
      const all = [];
      for (let i = 0; i < BURST; i++) all.push(client.get('k'));
      await Promise.all(all);
      rates.push(BURST / ((performance.now() - t0) / 1000));
    }
  } finally {
    await client.close();
    await mc.stop();
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)];
}

const perGet = await bytesPerWaitingGet();
const rate = await getsPerSecond();
const oneTimeout = (rate * DEFAULT_TIMEOUT_MS) / 1000;
console.log(`waiting get: ${Math.round(perGet)} bytes of heap each (${WAITING} gets to a stopped memcached)`);
console.log(`burst of ${BURST} gets: median ${Math.round(rate)} gets/s over ${ROUNDS} rounds`);
console.log(
  `one default timeout (${DEFAULT_TIMEOUT_MS} ms) gets through ~${Math.round(oneTimeout)} gets; ` +
    `that many waiting gets hold ~${Math.round((oneTimeout * perGet) / 2 ** 20)} MiB`,
);
