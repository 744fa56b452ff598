// Memory check of @memkit/client under load (issue: steady-state heap must not grow).
//  1. Steady state: warm up, GC, note the heap; run 1M gets+sets at c=64; GC; the heap
//     must be within 10% of the warmed-up heap (exit code 1 otherwise).
//  2. Allocation per get: with a new space large enough that no GC runs during the
//     measurement (checked), the growth of the used heap divided by the number of
//     gets is the bytes each get allocates on the JS heap.
//
//   node --expose-gc --min-semi-space-size=256 --max-semi-space-size=256 memory.mjs        (what `bench:memory` runs)
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { Client } from '@memkit/client';
import { startMemcached } from './lib/server.mjs';

if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
const OPS = Number(process.env.MEMORY_OPS ?? 1_000_000);
const CONCURRENCY = 64;
const KEYS = 10_000;
const value = (i) => `v${i}:`.padEnd(100, 'x');
const heap = () => v8.getHeapStatistics().used_heap_size;
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((r) => setImmediate(r));
  }
  return heap();
};

async function load(client, total, setEvery = 10 /* 0: gets only */) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        const i = next++;
        const k = i % KEYS;
        if (setEvery > 0 && i % setEvery === 0) await client.set(`k${k}`, value(k));
        else if ((await client.get(`k${k}`)) !== value(k)) throw new Error(`wrong value for k${k}`);
      }
    }),
  );
}

const mc = await startMemcached({ threads: 2, memoryMb: 256 });
const client = new Client({ servers: [mc.server], timeout: 10_000 });
let gcs = 0;
const obs = new PerformanceObserver((list) => {
  gcs += list.getEntries().length;
});
obs.observe({ entryTypes: ['gc'] });
try {
  for (let i = 0; i < KEYS; i += 500) {
    const batch = Array.from({ length: 500 }, (_, j) => [`k${i + j}`, value(i + j)]);
    if ((await client.setMulti(batch)).length > 0) throw new Error('populate failed');
  }
  await load(client, 200_000);
  const warm = await settle();
  const t0 = performance.now();
  await load(client, OPS);
  const seconds = (performance.now() - t0) / 1000;
  const after = await settle();
  const growth = (after - warm) / warm;

  // Allocation per get, measured with no GC in between; the same loop over a
  // stub client that answers at once gives the harness's own share.
  const N = 20_000;
  const allocated = async (c) => {
    await settle();
    await new Promise((r) => setTimeout(r, 20)); // let the observer count the forced GCs
    const gcsBefore = gcs;
    const h0 = heap();
    await load(c, N, 0);
    const h1 = heap();
    await new Promise((r) => setTimeout(r, 20));
    return { perOp: (h1 - h0) / N, clean: gcs === gcsBefore };
  };
  const real = await allocated(client);
  const stub = await allocated({ get: async (k) => value(Number(k.slice(1))) });
  const perGet = real.perOp - stub.perOp;
  const clean = real.clean && stub.clean;

  console.log(`ops: ${OPS} (90% get / 10% set, c=${CONCURRENCY}) in ${seconds.toFixed(1)} s`);
  console.log(
    `heap after warm-up: ${(warm / 1048576).toFixed(2)} MiB, after ${OPS} ops: ${(after / 1048576).toFixed(2)} MiB, growth ${(growth * 100).toFixed(1)}%`,
  );
  console.log(
    `JS heap allocated per get by the client: ${Math.round(perGet)} bytes (loop total ${Math.round(real.perOp)}, harness alone ${Math.round(stub.perOp)})${clean ? '' : ' (a GC ran during the measurement: not exact)'}`,
  );
  if (growth > 0.1) {
    console.error('FAIL: heap grew more than 10%');
    process.exitCode = 1;
  }
} finally {
  obs.disconnect();
  await client.close();
  await mc.stop();
}
