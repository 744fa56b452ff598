// Every performance target of the benchmark issues, computed from result
// runs (medians over every valid run of each client, same runs for all):
// a row per target with what was measured and whether it is met. ratios.mjs
// prints them; the self-test checks the arithmetic on made-up runs.

import { median } from './stats.mjs';

const PEERS = ['memjs', 'memcached', 'memcache-client', 'memcache'];
const TLS_PEERS = ['memcache-client', 'memcache'];

/**
 * @param {object[]} runs `runs` of one or more result documents
 * @param {{ subject?: string, floor?: string }} [o] the client under test and the floor adapter
 * @returns {{ label: string, measured: string, target: string, met: string }[]}
 */
export function targets(runs, { subject = 'memkit', floor = 'floor' } = {}) {
  const samples = (name, id) => runs.map((r) => r.clients?.[name]?.workloads?.[id]).filter((w) => w?.valid);
  const med = (xs) => {
    const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x));
    return v.length ? median(v) : undefined;
  };
  const client = (name, id, pick) => med(samples(name, id).map(pick));
  const cref = (id, pick) =>
    med(
      runs
        .map((r) => r.cref?.runs?.[id])
        .filter((w) => w?.ok)
        .map(pick),
    );
  const ops = (w) => w.opsPerSec;
  const rows = [];
  const verdict = (value, target, cmp) =>
    value === undefined ? 'n/a' : (cmp === '≥' ? value >= target : value <= target) ? 'yes' : 'no';
  const ratio = (label, num, den, target, cmp = '≥', why = '') => {
    const r = num !== undefined && den !== undefined && den > 0 ? num / den : undefined;
    rows.push({
      label,
      measured: r === undefined ? '–' : `${r.toFixed(2)}x`,
      target: target === undefined ? '–' : `${cmp} ${target}x`,
      met: target === undefined ? '–' : why && r !== undefined ? `no (${why})` : verdict(r, target, cmp),
    });
  };
  const absolute = (label, value, unit, target, cmp = '≤') => {
    rows.push({
      label,
      measured: value === undefined ? '–' : `${Number(value.toFixed(2))} ${unit}`,
      target: `${cmp} ${target} ${unit}`,
      met: verdict(value, target, cmp),
    });
  };

  // c=1 latency: p50 and p99 at or below memjs's, same runs
  for (const [id, what] of [
    ['b', 'get'],
    ['a', 'set'],
  ])
    for (const p of ['p50Us', 'p99Us'])
      ratio(
        `${what} 100 B, c=1, ${p.slice(0, 3)} latency: ${subject} / memjs`,
        client(subject, id, (w) => w.latency?.[p]),
        client('memjs', id, (w) => w.latency?.[p]),
        1,
        '≤',
      );
  // c=1 run-to-run spread (half the min-max range of ops/s over the runs); ±19% before issue #21
  for (const [id, what] of [
    ['b', 'get'],
    ['a', 'set'],
  ]) {
    const xs = samples(subject, id).map(ops);
    const s = xs.length > 1 ? ((Math.max(...xs) - Math.min(...xs)) / median(xs) / 2) * 100 : undefined;
    absolute(`${what} 100 B, c=1: ${subject} run-to-run spread of ops/s (± half the range)`, s, '%', 19);
  }
  // the near cache on the skewed workload
  const near = samples(subject, 'j');
  const ranWith = near.length ? near.every((w) => w.nearCache) : undefined;
  ratio(
    `skewed zipf 0.99, 95/5, c=64: ${subject}${ranWith ? ' with its near cache' : ''} / memjs (ops/s)`,
    client(subject, 'j', ops),
    client('memjs', 'j', ops),
    10,
    '≥',
    ranWith === false ? 'ran without a near cache' : '',
  );
  // TLS at c=64 against the best TLS-capable peer
  for (const [id, what] of [
    ['l', 'TLS get 100 B, c=64'],
    ['m', 'TLS set 10 KB, c=64'],
  ]) {
    const best = TLS_PEERS.map((p) => [p, client(p, id, ops)]).filter(([, v]) => v !== undefined);
    best.sort((x, y) => y[1] - x[1]);
    ratio(
      `${what}: ${subject} / best TLS peer${best.length ? ` (${best[0][0]})` : ''} (ops/s)`,
      client(subject, id, ops),
      best[0]?.[1],
      2,
    );
  }
  // large values, big batches, cold bursts
  absolute(
    `get 16 MiB, p50: ${subject}`,
    client(subject, 'o', (w) => w.latency?.p50Us / 1000),
    'ms',
    50,
  );
  absolute(
    `get 16 MiB, copies of the value in memory (median): ${subject}`,
    client(subject, 'o', (w) => w.rss?.copiesMedian),
    'copies',
    2,
  );
  absolute(
    `getMulti 10,000 keys, p50: ${subject}`,
    client(subject, 'p', (w) => w.latency?.p50Us / 1000),
    'ms',
    20,
  );
  const sockets = samples(subject, 'q').map((w) => w.socketsPerServer);
  absolute(
    `cold burst, sockets per server (worst run): ${subject}`,
    sockets.length ? Math.max(...sockets) : undefined,
    'sockets per server',
    2,
  );
  // getMulti against the hand-written floor
  ratio(
    `getMulti 100 keys, c=8: ${subject} / ${floor} (keys/s)`,
    client(subject, 'f', (w) => w.keysPerSec),
    client(floor, 'f', (w) => w.keysPerSec),
    0.9,
  );
  // the standing targets: ≥ 1.5x memjs at c ≥ 64
  for (const [id, label] of [
    ['c', 'get 100 B, c=64'],
    ['d', 'get 100 B, c=512'],
    ['g', 'mixed 90/10, c=128'],
    ['e', 'set 10 KB, c=64'],
  ])
    ratio(`${label}: ${subject} / memjs (ops/s)`, client(subject, id, ops), client('memjs', id, ops), 1.5);
  // issue #9's references against memaslap, kept for comparison
  ratio(
    `getMulti 100 keys, c=8: ${subject} / memaslap (keys/s)`,
    client(subject, 'f', (w) => w.keysPerSec),
    cref('f', (w) => w.opsPerSec * 100), // memaslap -d 100: one op = one 100-key get
    1,
  );
  for (const [id, what] of [
    ['a', 'set'],
    ['b', 'get'],
  ])
    ratio(
      `${what} 100 B, c=1: ${subject} mean latency / memaslap average`,
      client(subject, id, (w) => w.latency?.meanUs),
      cref(id, (w) => w.avgLatencyUs),
      1.1,
      '≤',
    );
  // peers, for the record (no target)
  for (const peer of PEERS.filter((p) => p !== 'memjs'))
    for (const [id, label] of [
      ['c', 'get c=64'],
      ['g', 'mixed c=128'],
    ]) {
      const r = client(subject, id, ops) / client(peer, id, ops);
      if (Number.isFinite(r))
        ratio(`${label}: ${subject} / ${peer} (ops/s)`, client(subject, id, ops), client(peer, id, ops));
    }
  for (const peer of PEERS) {
    const t = client(peer, 'q', (w) => w.totalMs);
    if (t !== undefined)
      ratio(
        `cold burst total time: ${subject} / ${peer} (lower is better)`,
        client(subject, 'q', (w) => w.totalMs),
        t,
        undefined,
        '≤',
      );
  }
  return rows;
}

/** The rows as a Markdown table. */
export function targetsMarkdown(rows) {
  return [
    '| ratio | measured | target | met |',
    '|---|---:|---:|:-:|',
    ...rows.map((r) => `| ${r.label} | ${r.measured} | ${r.target} | ${r.met} |`),
  ].join('\n');
}
