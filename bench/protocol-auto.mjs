#!/usr/bin/env node
/**
 * What `protocol: 'auto'` costs next to `protocol: 'meta'`, measured paired
 * (not a test): each round runs three arms back to back against the same
 * private memcached, each in a fresh Node process — `meta`, `auto`, and
 * `meta` again as an A/A control that shows the run-to-run noise — in an
 * order rotated every round. Each arm measures:
 *   - cold: new client → first `get` answered (connect, plus the probe for
 *     auto), the median of 100 new clients made once the process is warm;
 *   - c=1: 20,000 sequential `get` hits, p50 and p99 latency;
 *   - CPU: 100,000 ops (half get, half set, 100-byte values) at 64 in flight,
 *     client process CPU (user + system) per op.
 * Reported as the median of the per-round ratios auto/meta, and of
 * meta/meta (the control), each with a 95% bootstrap interval: the
 * control's interval is the resolution this machine allows. auto shows no
 * cost on a metric when the auto/meta interval holds 1 (and no cost beyond
 * the resolution when its worse end is inside the control's).
 *
 *   node bench/protocol-auto.mjs [--rounds 8] [--json results/protocol-auto.json]
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@memkit/client';
import { startMemcached } from './lib/server.mjs';
import { median, pct, ratioSummary } from './lib/stats.mjs';

const SELF = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};

if (args[0] === '--child') await child(args[1], args[2]);
else await parent();

async function child(protocol, server) {
  const value = 'x'.repeat(100);
  const client = new Client({ servers: [server], protocol });

  const keys = Array.from({ length: 1000 }, (_, i) => `bench:${i}`);
  await client.setMulti(keys.map((k) => [k, value]));
  await loops(client, keys, value, 16, 20_000); // warm-up

  const colds = [];
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    const fresh = new Client({ servers: [server], protocol });
    await fresh.get(keys[i]);
    colds.push(performance.now() - t0);
    await fresh.close();
  }
  const coldMs = median(colds);

  const lat = new Float64Array(20_000);
  for (let i = 0; i < lat.length; i++) {
    const t = process.hrtime.bigint();
    await client.get(keys[i % keys.length]);
    lat[i] = Number(process.hrtime.bigint() - t);
  }
  lat.sort();

  const ops = 100_000;
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  await loops(client, keys, value, 64, ops);
  const wallMs = performance.now() - w0;
  const cpu = process.cpuUsage(cpu0);
  await client.close();
  process.stdout.write(
    JSON.stringify({
      protocol,
      coldMs,
      p50Us: pct(lat, 50) / 1000,
      p99Us: pct(lat, 99) / 1000,
      cpuUsPerOp: (cpu.user + cpu.system) / ops,
      opsPerSec: ops / (wallMs / 1000),
    }),
  );
}

/** `total` ops (even: get, odd: set) spread over `inFlight` sequential loops. */
async function loops(client, keys, value, inFlight, total) {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let i = next++; i < total; i = next++) {
        const key = keys[i % keys.length];
        if (i % 2 === 0) await client.get(key);
        else await client.set(key, value);
      }
    }),
  );
}

function runArm(node, protocol, server) {
  return new Promise((resolve, reject) => {
    const p = spawn(node, [SELF, '--child', protocol, server], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`arm ${protocol}: exit ${code}`)),
    );
  });
}

async function parent() {
  const rounds = Number(arg('--rounds', 8));
  const pinned = new URL('./node_modules/node/bin/node', import.meta.url);
  const node = process.env.BENCH_NODE || (existsSync(pinned) ? fileURLToPath(pinned) : process.execPath);
  const mc = await startMemcached({ threads: 2, memoryMb: 64 });
  const arms = ['meta', 'auto', 'meta (control)'];
  const results = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const order = arms.map((_, i) => arms[(i + r) % arms.length]);
      const round = {};
      for (const arm of order) round[arm] = await runArm(node, arm.split(' ')[0], mc.server);
      results.push(round);
      process.stderr.write(`round ${r + 1}/${rounds} done\n`);
    }
  } finally {
    await mc.stop();
  }
  const metrics = ['cpuUsPerOp', 'p50Us', 'p99Us', 'coldMs', 'opsPerSec'];
  const summary = {};
  for (const m of metrics) {
    const auto = ratioSummary(results.map((x) => x.auto[m] / x.meta[m]));
    const control = ratioSummary(results.map((x) => x['meta (control)'][m] / x.meta[m]));
    // Lower is better except for throughput: the "worse" end of an interval.
    const worse = (r) => (m === 'opsPerSec' ? r.low : r.high);
    const beyond = (a, b) => (m === 'opsPerSec' ? a < b : a > b);
    summary[m] = {
      meta: median(results.map((x) => x.meta[m])),
      auto: median(results.map((x) => x.auto[m])),
      autoRatio: auto,
      controlRatio: control,
      noCostShown: auto.low <= 1 && auto.high >= 1,
      withinResolution: !beyond(worse(auto), worse(control)),
    };
  }
  const json = { node: process.version, memcached: mc.version, rounds, results, summary };
  const out = arg('--json');
  if (out) writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);
  const f = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3));
  const lines = [
    `protocol: 'auto' vs 'meta', ${rounds} paired rounds (memcached ${mc.version}, ${node === process.execPath ? process.version : 'pinned Node'})`,
    '',
    '| metric | meta (median) | auto (median) | auto/meta: median [95% interval] | meta/meta control: median [95% interval] | interval holds 1 | worse end within the control |',
    '|---|---:|---:|---:|---:|---|---|',
  ];
  for (const m of metrics) {
    const s = summary[m];
    const a = s.autoRatio;
    const c = s.controlRatio;
    lines.push(
      `| ${m} | ${f(s.meta)} | ${f(s.auto)} | ${a.median.toFixed(3)} [${a.low.toFixed(3)}, ${a.high.toFixed(3)}] | ${c.median.toFixed(3)} [${c.low.toFixed(3)}, ${c.high.toFixed(3)}] | ${s.noCostShown ? 'yes' : 'no'} | ${s.withinResolution ? 'yes' : 'no'} |`,
    );
  }
  console.log(lines.join('\n'));
}
