// What one call costs at c=1 (issue #21 item 2), memkit next to memjs, both in
// this process against one private memcached, in alternating blocks of
// sequential calls so that both see the same machine load:
//  - latency p50 / p90 / p99 and CPU (user + system) per call, per client;
//  - for memkit, what happens per call: promises created, promise jobs run,
//    queueMicrotask calls, timers armed, socket writes and reads, and the JS
//    heap allocated (measured with a young generation large enough that no
//    GC runs meanwhile: checked);
//  - what the single-request path's parts cost, by turning each on or off
//    through public means: a tracing subscriber (when nobody subscribes the
//    wrapper is a few checks), an options argument (the per-call checks),
//    one socket per server instead of two (the alternation).
// The CPU profile of the same loop: node --cpu-prof c1.mjs, see bench/README.md.
//
//   node --expose-gc --min-semi-space-size=256 --max-semi-space-size=256 c1.mjs [blocks=16] [per=2000]
//   (what `bench:c1` runs; the young generation is sized so that the heap figure needs no GC)
import { createHook } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { Client } from '@memkit/client';
import memjs from 'memjs';
import { startMemcached } from './lib/server.mjs';

if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc (see the header)');
const BLOCKS = Number(process.argv[2] ?? 16);
const PER = Number(process.argv[3] ?? 2000);
const KEYS = 1000;
const value = (i) => `c1:${i}:`.padEnd(100, 'x');
const hr = process.hrtime.bigint;

const mc = await startMemcached({ memoryMb: 64 });
const server = mc.server;
const memkit = (o = {}) => {
  const c = new Client({ servers: [server], timeout: 5000, ...o });
  return { get: (k) => c.get(k), set: (k, v) => c.set(k, v), close: () => c.close() };
};
const optsClient = () => {
  const c = new Client({ servers: [server], timeout: 5000 });
  const o = { timeout: 5000 };
  return { get: (k) => c.get(k, o), set: (k, v) => c.set(k, v, o), close: () => c.close() };
};
const mj = () => {
  const c = memjs.Client.create(server, { timeout: 5, retries: 1, logger: { log() {} } });
  return {
    get: async (k) => (await c.get(k)).value,
    set: (k, v) => c.set(k, v, {}),
    close: async () => c.close(),
  };
};

/** Runs `n` sequential calls of `op`; returns latencies (ns) and CPU µs. */
async function block(c, op, n, offset) {
  const lat = new Array(n);
  const u0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const k = (offset + i) % KEYS;
    const t0 = hr();
    if (op === 'get') {
      const v = await c.get(`c1:${k}`);
      if (v === undefined || String(v) !== value(k)) throw new Error(`wrong value for c1:${k}`);
    } else await c.set(`c1:${k}`, value(k));
    lat[i] = Number(hr() - t0);
  }
  const u = process.cpuUsage(u0);
  return { lat, cpu: u.user + u.system };
}

const pct = (sorted, p) => (sorted[Math.floor(p * (sorted.length - 1))] / 1000).toFixed(1);

/** Alternating blocks of the clients in `entries`; prints one row per client. */
async function compare(title, op, entries) {
  const clients = entries.map(([name, make, around]) => ({ name, c: make(), around, lat: [], cpu: 0, n: 0 }));
  for (let b = 0; b <= BLOCKS; b++) {
    const order = b % 2 ? [...clients].reverse() : clients;
    for (const cl of order) {
      cl.around?.enter();
      const r = await block(cl.c, op, PER, b * PER);
      cl.around?.leave();
      if (b === 0) continue; // warm-up
      cl.lat.push(...r.lat);
      cl.cpu += r.cpu;
      cl.n += PER;
    }
  }
  console.log(`\n${title} (${op}, ${BLOCKS} × ${PER} calls each, alternating)`);
  console.log('| client | p50 µs | p90 µs | p99 µs | CPU µs/call |\n|---|---:|---:|---:|---:|');
  for (const cl of clients) {
    const s = cl.lat.sort((a, b) => a - b);
    console.log(
      `| ${cl.name} | ${pct(s, 0.5)} | ${pct(s, 0.9)} | ${pct(s, 0.99)} | ${(cl.cpu / cl.n).toFixed(2)} |`,
    );
    await cl.c.close();
  }
}

/** Per-call counts of what memkit does over `n` sequential calls, and the JS heap it allocates. */
async function anatomy(op, n) {
  const c = new Client({ servers: [server], timeout: 5000 });
  const done = Promise.resolve(true);
  const call =
    op === 'loop'
      ? (i) => (`c1:${i % KEYS}`.length > 0 ? done : done)
      : op === 'get'
        ? (i) => c.get(`c1:${i % KEYS}`)
        : (i) => c.set(`c1:${i % KEYS}`, value(i % KEYS));
  for (let i = 0; i < 2000; i++) await call(i);
  const counts = { promises: 0, jobs: 0, microtasks: 0, timers: 0, writes: 0 };
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') counts.promises++;
      else if (type === 'Timeout') counts.timers++;
    },
    before() {
      counts.jobs++;
    },
  });
  const queue = globalThis.queueMicrotask;
  globalThis.queueMicrotask = (fn) => {
    counts.microtasks++;
    queue(fn);
  };
  const write = net.Socket.prototype.write;
  net.Socket.prototype.write = function (...args) {
    counts.writes++;
    return write.apply(this, args);
  };
  hook.enable();
  for (let i = 0; i < n; i++) await call(i);
  hook.disable();
  globalThis.queueMicrotask = queue;
  net.Socket.prototype.write = write;
  // Heap allocated per call: valid only if no GC ran in between (checked).
  let gcs = 0;
  const obs = new PerformanceObserver((l) => {
    gcs += l.getEntries().length;
  });
  obs.observe({ entryTypes: ['gc'] });
  globalThis.gc();
  // GC entries reach the observer later: let the one just run arrive first.
  await new Promise((r) => setTimeout(r, 100));
  const g0 = gcs;
  const h0 = v8.getHeapStatistics().used_heap_size;
  for (let i = 0; i < n; i++) await call(i);
  const h1 = v8.getHeapStatistics().used_heap_size;
  await new Promise((r) => setTimeout(r, 100));
  obs.disconnect();
  await c.close();
  const per = (x) => (x / n).toFixed(2);
  const heap =
    gcs === g0 ? String(Math.round((h1 - h0) / n)) : 'a GC ran: rerun with a larger --max-semi-space-size';
  console.log(
    `| ${op === 'loop' ? 'the measuring loop alone' : `memkit ${op}`} | ${per(counts.promises)} | ${per(counts.jobs)} | ${per(counts.microtasks)} | ${per(counts.timers)} | ${per(counts.writes)} | ${heap} |`,
  );
}

/** Subscribes a no-op tracing subscriber while its client's blocks run. */
const subscriber = { start() {}, end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
const traced = {
  enter: () => diagnostics.tracingChannel('memkit:command').subscribe(subscriber),
  leave: () => diagnostics.tracingChannel('memkit:command').unsubscribe(subscriber),
};

try {
  const setup = memkit();
  for (let i = 0; i < KEYS; i++) await setup.set(`c1:${i}`, value(i));
  await setup.close();
  for (const op of ['get', 'set']) {
    await compare('memkit and memjs', op, [
      ['memkit', memkit],
      ['memjs 1.3.2', mj],
    ]);
    await compare('memkit, one part changed at a time', op, [
      ['memkit (defaults)', memkit],
      ['memkit, a tracing subscriber', memkit, traced],
      ['memkit, an options argument', optsClient],
      ['memkit, connectionsPerServer 1', () => memkit({ connectionsPerServer: 1 })],
    ]);
  }
  console.log("\nPer call (memkit's own = its row minus the loop's)");
  console.log(
    '| call | promises created | async callbacks run | queueMicrotask | timers armed | socket.write | JS heap bytes |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  await anatomy('loop', 20_000);
  await anatomy('get', 20_000);
  await anatomy('set', 20_000);
} finally {
  await mc.stop();
}
