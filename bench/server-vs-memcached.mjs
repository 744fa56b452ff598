// memkit-server vs real memcached: the same client (@memkit/client), the same
// workload (100-byte values, 64 concurrent closed loops), side by side in one
// run, each server in its own process. Reports ops/s per server and the ratio. It is a test/demo server: the
// point is honesty, not a target.
//
//   pnpm --filter memcached-client-bench bench:server            (3 runs)
//   BENCH_RUNS=5 BENCH_OPS=200000 node server-vs-memcached.mjs
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { Client } from '@memkit/client';
import { startMemcached } from './lib/server.mjs';

const require = createRequire(import.meta.url);

/** memkit-server in its own process (the built `memkit-server` bin), like memcached. */
async function startMemkitServer() {
  const pkg = require.resolve('@memkit/server/package.json');
  const bin = path.join(path.dirname(pkg), require(pkg).bin['memkit-server']);
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const child = spawn(process.execPath, [bin, '-p', String(port), '-l', '127.0.0.1', '-m', '256'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const sock = net.connect(port, '127.0.0.1', () => sock.end(() => resolve(true)));
      sock.on('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    address: `127.0.0.1:${port}`,
    close: () => new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM')),
  };
}

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const OPS = Number(process.env.BENCH_OPS ?? 100_000);
const CONCURRENCY = 64;
const KEYS = 10_000;
const value = (i) => `v${i}:`.padEnd(100, 'x');

async function closedLoop(total, op) {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) await op(next++);
    }),
  );
  return total / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function measure(address) {
  const client = new Client({ servers: [address], timeout: 10_000 });
  try {
    await closedLoop(OPS / 5, (i) => client.set(`k${i % KEYS}`, value(i % KEYS))); // warm-up + populate
    const set = await closedLoop(OPS, (i) => client.set(`k${i % KEYS}`, value(i % KEYS)));
    let wrong = 0;
    const get = await closedLoop(OPS, async (i) => {
      if ((await client.get(`k${i % KEYS}`)) !== value(i % KEYS)) wrong++;
    });
    if (wrong) throw new Error(`${address}: ${wrong} wrong get results`);
    return { set, get };
  } finally {
    await client.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { memcached: { set: [], get: [] }, 'memkit-server': { set: [], get: [] } };
for (let run = 0; run < RUNS; run++) {
  const mc = await startMemcached({ threads: 2, memoryMb: 256 });
  const embedded = await startMemkitServer();
  try {
    // Alternate the order so drift does not always favour the same server.
    const order = run % 2 === 0 ? ['memcached', 'memkit-server'] : ['memkit-server', 'memcached'];
    for (const name of order) {
      const r = await measure(name === 'memcached' ? mc.server : embedded.address);
      results[name].set.push(r.set);
      results[name].get.push(r.get);
    }
  } finally {
    await embedded.close();
    await mc.stop();
  }
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(
  `\n100-byte values, c=${CONCURRENCY}, ${OPS} ops per phase, median of ${RUNS} runs, client @memkit/client`,
);
console.log('| workload | memcached 1.6 (ops/s) | memkit-server (ops/s) | memkit-server / memcached |');
console.log('|---|---:|---:|---:|');
for (const w of ['set', 'get']) {
  const a = median(results.memcached[w]);
  const b = median(results['memkit-server'][w]);
  console.log(`| ${w} 100 B | ${fmt(a)} | ${fmt(b)} | ${(b / a).toFixed(2)}x |`);
}
