// Prints memkit's ratios against its peers and the C reference from one or more
// result files of run.mjs (medians over every run in them), with the targets of
// the performance issue, as the Markdown table that goes into RESULTS.md.
//
//   node ratios.mjs results/bench-<timestamp>.json [more.json ...]
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node ratios.mjs results/bench-*.json');
  process.exit(2);
}
const runs = files.flatMap((f) => JSON.parse(readFileSync(f, 'utf8')).runs);
const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
/** Median of `pick(workload result)` over every valid run of `client` for workload `id`. */
const client = (name, id, pick) =>
  median(
    runs
      .map((r) => r.clients?.[name]?.workloads?.[id])
      .filter((w) => w?.valid)
      .map(pick),
  );
const cref = (id, pick) =>
  median(
    runs
      .map((r) => r.cref?.runs?.[id])
      .filter((w) => w?.ok)
      .map(pick),
  );

const ops = (w) => w.opsPerSec;
const keys = (w) => w.keysPerSec;
const rows = [];
const ratioRow = (label, num, den, target, higherIsBetter = true) => {
  const ratio = num !== undefined && den !== undefined ? num / den : undefined;
  const met =
    ratio === undefined ? 'n/a' : (higherIsBetter ? ratio >= target : ratio <= target) ? 'yes' : 'no';
  rows.push(
    `| ${label} | ${ratio === undefined ? '–' : `${ratio.toFixed(2)}x`} | ${higherIsBetter ? '≥' : '≤'} ${target}x | ${met} |`,
  );
};

for (const [id, label] of [
  ['c', 'get 100 B, c=64: memkit / memjs (ops/s)'],
  ['d', 'get 100 B, c=512: memkit / memjs (ops/s)'],
  ['g', 'mixed 90/10, c=128: memkit / memjs (ops/s)'],
  ['e', 'set 10 KB, c=64: memkit / memjs (ops/s)'],
]) {
  ratioRow(label, client('memkit', id, ops), client('memjs', id, ops), 1.5);
}
const crefKeys = cref('f', (w) => w.opsPerSec * 100); // memaslap -d 100: one op = one 100-key get
ratioRow('getMulti 100 keys, c=8: memkit / memaslap (keys/s)', client('memkit', 'f', keys), crefKeys, 1.0);
ratioRow(
  'set 100 B, c=1: memkit mean latency / memaslap average',
  client('memkit', 'a', (w) => w.latency?.meanUs),
  cref('a', (w) => w.avgLatencyUs),
  1.1,
  false,
);
ratioRow(
  'get 100 B, c=1: memkit mean latency / memaslap average',
  client('memkit', 'b', (w) => w.latency?.meanUs),
  cref('b', (w) => w.avgLatencyUs),
  1.1,
  false,
);
for (const peer of ['memcached', 'memcache-client']) {
  for (const [id, label] of [
    ['c', 'get c=64'],
    ['g', 'mixed c=128'],
  ]) {
    const r = client('memkit', id, ops) / client(peer, id, ops);
    if (Number.isFinite(r)) rows.push(`| ${label}: memkit / ${peer} (ops/s) | ${r.toFixed(2)}x | – | – |`);
  }
}

console.log(`Medians over ${runs.length} run(s) from ${files.join(', ')}\n`);
console.log('| ratio | measured | target | met |');
console.log('|---|---:|---:|:-:|');
for (const r of rows) console.log(r);
