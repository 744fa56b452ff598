#!/usr/bin/env node
/**
 * What `replicas` costs, measured (not a test), as paired ratios of client
 * CPU per operation (the client process's user + system time, divided by the
 * operations; memcached's CPU is not counted), rounds alternated so that
 * the load of a shared machine falls on both sides alike:
 *
 * 1. get at concurrency 64, `replicas: 1`: this build against another build
 *    of @memkit/client given with `--base <its dist/index.js>` (for example the
 *    commit before replicas): the hot path of a client without replicas must
 *    not cost more. The same build on both sides gives the noise floor.
 * 2. get and set at concurrency 64 on two memcacheds, `replicas: 2` against
 *    `replicas: 1` of this build: what a second copy costs.
 *
 *   node bench/replicas.mjs [--base path/to/dist/index.js [--head other/dist/index.js] [--base-only]]
 *     [--rounds 15] [--ops 40000] [--json out.json]
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Client } from '@memkit/client';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const ROUNDS = Number(arg('rounds', 15));
const OPS = Number(arg('ops', 40_000));
const CONCURRENCY = 64;
const base = arg('base', undefined);
const MEMCACHED = process.env.BENCH_MEMCACHED_BIN ?? '/usr/bin/memcached';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function memcached() {
  const port = await freePort();
  const args = ['-p', String(port), '-l', '127.0.0.1', '-U', '0', '-t', '1', '-m', '64'];
  // memcached refuses to run as root without -u.
  if (process.getuid?.() === 0) args.push('-u', 'root');
  const child = spawn(MEMCACHED, args, { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const probe = new Client({ servers: [`127.0.0.1:${port}`], timeout: 200 });
    try {
      const [r] = await probe.version();
      if (r.ok) return { address: `127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
    } finally {
      await probe.close();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`memcached on ${port} did not start`);
}

/** Runs `op(i)` OPS times with CONCURRENCY in flight; client CPU µs per op. */
async function round(op) {
  let next = 0;
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < OPS) {
        const i = next++;
        const r = await op(i);
        if (r === undefined || r === false) throw new Error(`op ${i} missed or was not stored`);
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / OPS;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Alternates rounds of `a` and `b` (order flipped every pair); the median ratio b/a and each side's median µs/op. */
async function paired(name, a, b) {
  await round(a);
  await round(b);
  const ratios = [];
  const as = [];
  const bs = [];
  for (let r = 0; r < ROUNDS; r++) {
    let x;
    let y;
    if (r % 2 === 0) {
      x = await round(a);
      y = await round(b);
    } else {
      y = await round(b);
      x = await round(a);
    }
    as.push(x);
    bs.push(y);
    ratios.push(y / x);
  }
  const sorted = [...ratios].sort((p, q) => p - q);
  const result = {
    name,
    aUsPerOp: median(as),
    bUsPerOp: median(bs),
    ratio: median(ratios),
    ratioQ1: sorted[Math.floor(sorted.length / 4)],
    ratioQ3: sorted[Math.floor((sorted.length * 3) / 4)],
  };
  console.log(
    `${name.padEnd(52)} ${result.aUsPerOp.toFixed(2)} vs ${result.bUsPerOp.toFixed(2)} µs/op  ratio ${result.ratio.toFixed(3)} (IQR ${result.ratioQ1.toFixed(3)}–${result.ratioQ3.toFixed(3)})`,
  );
  return result;
}

const KEYS = Array.from({ length: 1000 }, (_, i) => `bench:replicas:${i}`);
const results = { node: process.version, rounds: ROUNDS, ops: OPS, concurrency: CONCURRENCY, pairs: [] };
const [one, two] = await Promise.all([memcached(), memcached()]);
try {
  if (base) {
    const { Client: BaseClient } = await import(pathToFileURL(base).href);
    // --head: another build in place of this one (e.g. a copy of the base: the bias of two module copies).
    const head = arg('head', undefined);
    const HeadClient = head ? (await import(pathToFileURL(head).href)).Client : Client;
    const before = new BaseClient({ servers: [one.address] });
    const now = new HeadClient({ servers: [one.address] });
    for (const k of KEYS) await now.set(k, 'x'.repeat(100));
    results.pairs.push(
      await paired(
        'get c=64, replicas: 1 — base build (a) vs this build (b)',
        (i) => before.get(KEYS[i % KEYS.length]),
        (i) => now.get(KEYS[i % KEYS.length]),
      ),
    );
    // The noise floor of this measurement on this machine: the same build on both sides.
    const again = new HeadClient({ servers: [one.address] });
    results.pairs.push(
      await paired(
        'get c=64, replicas: 1 — this build (a) vs this build (b): noise',
        (i) => again.get(KEYS[i % KEYS.length]),
        (i) => now.get(KEYS[i % KEYS.length]),
      ),
    );
    await Promise.all([before.close(), now.close(), again.close()]);
  }
  if (!process.argv.includes('--base-only')) {
    const servers = [one.address, two.address];
    const single = new Client({ servers });
    const replicated = new Client({ servers, replicas: 2 });
    for (const k of KEYS) await replicated.set(k, 'x'.repeat(100));
    results.pairs.push(
      await paired(
        'get c=64, 2 servers — replicas: 1 (a) vs replicas: 2 (b)',
        (i) => single.get(KEYS[i % KEYS.length]),
        (i) => replicated.get(KEYS[i % KEYS.length]),
      ),
    );
    results.pairs.push(
      await paired(
        'set c=64, 2 servers — replicas: 1 (a) vs replicas: 2 (b)',
        (i) => single.set(KEYS[i % KEYS.length], 'y'.repeat(100)),
        (i) => replicated.set(KEYS[i % KEYS.length], 'y'.repeat(100)),
      ),
    );
    await Promise.all([single.close(), replicated.close()]);
  }
} finally {
  one.stop();
  two.stop();
}
process.exitCode = writeOut();

function writeOut() {
  const json = arg('json', undefined);
  if (json) writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  return 0;
}
