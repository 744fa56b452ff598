#!/usr/bin/env node
/**
 * What the resilience routes (invalidation on return, circuit breaker,
 * gutter, onError) cost a HEALTHY cluster, measured paired (not a test):
 * the client built from `--before` (a git ref, default `main`) against the
 * client built from the working tree, both bundled the same way (esbuild,
 * @memkit/protocol from the working tree). Each round runs three arms back
 * to back, each in a fresh Node process, against the same two private
 * memcacheds, in an order rotated every round: before, after, and before
 * again as an A/A control that shows the run-to-run noise. Each arm
 * measures client process CPU (user + system) per op for 100,000 `get`
 * hits at 64 in flight, then 100,000 `set`s (100-byte values) at 64 in
 * flight. Reported as the median of the per-round ratios after/before and
 * of the control, each with a 95% bootstrap interval.
 *
 *   node bench/resilience-hot-path.mjs [--rounds 6] [--before main] [--json results/resilience-hot-path.json]
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startMemcached } from './lib/server.mjs';
import { median, ratioSummary } from './lib/stats.mjs';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};

if (args[0] === '--child') await child(args[1], args[2].split(','));
else await parent();

async function child(bundle, servers) {
  const { Client } = await import(pathToFileURL(bundle).href);
  const client = new Client({ servers });
  const value = 'x'.repeat(100);
  const keys = Array.from({ length: 1000 }, (_, i) => `bench:${i}`);
  for (const k of keys) await client.set(k, value);
  await loops(() => client.get(keys[0]), 64, 20_000); // warm-up
  const ops = 100_000;
  const measure = async (op) => {
    let n = 0;
    const cpu0 = process.cpuUsage();
    await loops(() => op(keys[n++ % keys.length]), 64, ops);
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / ops;
  };
  const getCpuUs = await measure((k) => client.get(k));
  const setCpuUs = await measure((k) => client.set(k, value));
  await client.close();
  process.stdout.write(JSON.stringify({ getCpuUs, setCpuUs }));
}

/** `total` calls of `op` spread over `inFlight` sequential loops. */
async function loops(op, inFlight, total) {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < total) await op();
    }),
  );
}

/** Bundles packages/client/src of `ref` (undefined: the working tree) into one ESM file. */
async function bundle(ref, dir) {
  const require = createRequire(join(ROOT, 'packages/client/package.json'));
  const esbuild = require(require.resolve('esbuild', { paths: [join(require.resolve('tsup'), '..')] }));
  let src = join(ROOT, 'packages/client/src');
  if (ref !== undefined) {
    const out = join(dir, 'before');
    execFileSync('sh', [
      '-c',
      `mkdir -p "${out}" && git -C "${ROOT}" archive "${ref}" packages/client/src | tar -x -C "${out}"`,
    ]);
    src = join(out, 'packages/client/src');
  }
  const outfile = join(dir, ref === undefined ? 'after.mjs' : 'before.mjs');
  await esbuild.build({
    entryPoints: [join(src, 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    alias: { '@memkit/protocol': join(ROOT, 'packages/protocol/src/index.ts') },
    logLevel: 'error',
  });
  return outfile;
}

function runArm(node, file, servers) {
  return new Promise((resolve, reject) => {
    const p = spawn(node, [SELF, '--child', file, servers.join(',')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`arm ${file}: exit ${code}`)),
    );
  });
}

async function parent() {
  const rounds = Number(arg('--rounds', 6));
  const before = arg('--before', 'main');
  const pinned = new URL('./node_modules/node/bin/node', import.meta.url);
  const node = process.env.BENCH_NODE || (existsSync(pinned) ? fileURLToPath(pinned) : process.execPath);
  const dir = mkdtempSync(join(tmpdir(), 'memkit-hot-path-'));
  const files = { before: await bundle(before, dir), after: await bundle(undefined, dir) };
  const mcs = [
    await startMemcached({ threads: 1, memoryMb: 64 }),
    await startMemcached({ threads: 1, memoryMb: 64 }),
  ];
  const servers = mcs.map((m) => m.server);
  const arms = ['before', 'after', 'before (control)'];
  const results = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const order = arms.map((_, i) => arms[(i + r) % arms.length]);
      const round = {};
      for (const a of order) round[a] = await runArm(node, files[a.split(' ')[0]], servers);
      results.push(round);
      process.stderr.write(`round ${r + 1}/${rounds} done\n`);
    }
  } finally {
    for (const m of mcs) await m.stop();
  }
  const summary = {};
  for (const m of ['getCpuUs', 'setCpuUs']) {
    summary[m] = {
      before: median(results.map((x) => x.before[m])),
      after: median(results.map((x) => x.after[m])),
      afterRatio: ratioSummary(results.map((x) => x.after[m] / x.before[m])),
      controlRatio: ratioSummary(results.map((x) => x['before (control)'][m] / x.before[m])),
    };
  }
  const out = arg('--json');
  if (out)
    writeFileSync(
      out,
      `${JSON.stringify({ node: process.version, before, rounds, results, summary }, null, 2)}\n`,
    );
  const lines = [
    `Healthy-cluster CPU per op, working tree vs ${before}: ${rounds} paired rounds, 2 servers, 64 in flight`,
    '',
    '| metric | before µs/op (median) | after µs/op (median) | after/before [95%] | before/before control [95%] |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const [m, s] of Object.entries(summary)) {
    const a = s.afterRatio;
    const c = s.controlRatio;
    lines.push(
      `| ${m} | ${s.before.toFixed(2)} | ${s.after.toFixed(2)} | ${a.median.toFixed(3)} [${a.low.toFixed(3)}, ${a.high.toFixed(3)}] | ${c.median.toFixed(3)} [${c.low.toFixed(3)}, ${c.high.toFixed(3)}] |`,
    );
  }
  console.log(lines.join('\n'));
}
