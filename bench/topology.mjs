#!/usr/bin/env node
/**
 * Scale of memkit's cluster code, measured (not a test): ring build time and
 * serverFor cost at 10 / 100 / 1,000 / 5,000 servers next to `hashring` (the
 * ring of the `memcached` package, the most used Node client) as a ratio;
 * the fraction of keys that move when one server of N is added or removed,
 * per hashing; memory per server; and the longest event-loop pause
 * while a client applies a 1,000-server topology change from a
 * configuration endpoint (the ring is built a slice at a time), next to the
 * pause of building the same ring in one go.
 *
 *   node --expose-gc bench/topology.mjs [--json results/topology.json]
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Client, KetamaLocator, ModulaLocator, parseServers } from '@memkit/client';
import { startServer } from '@memkit/server';

const require = createRequire(import.meta.url);
// hashring is what `memcached` (3rd-Eden) hashes with; reach it through that package.
const HashRing = createRequire(require.resolve('memcached'))('hashring');

const SIZES = [10, 100, 1000, 5000];
const KEYS = Array.from({ length: 100_000 }, (_, i) => `user:${i}:profile`);
const results = { node: process.version, build: [], lookup: [], movement: [], memory: {}, pause: {} };

const addresses = (n, from = 0) =>
  Array.from(
    { length: n },
    (_, i) => `10.${(i + from) >> 16}.${((i + from) >> 8) & 255}.${(i + from) & 255}:11211`,
  );

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Median time of `fn` over `runs` runs, in ms. */
function time(fn, runs) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return median(out);
}

const fmt = (x, d = 2) => (x >= 100 ? x.toFixed(0) : x.toFixed(d));

// ---- ring build and lookup ----
for (const n of SIZES) {
  const nodes = parseServers(addresses(n));
  const runs = n >= 1000 ? 3 : 10;
  const memkit = time(() => new KetamaLocator(nodes, { hashing: 'ketama' }), runs);
  const peer = time(() => new HashRing(addresses(n)), runs);
  results.build.push({ servers: n, memkitMs: memkit, hashringMs: peer, ratio: peer / memkit });

  const ring = new KetamaLocator(nodes, { hashing: 'ketama' });
  const hr = new HashRing(addresses(n));
  const lookups = 200_000;
  let sink = 0;
  const m = time(() => {
    for (let i = 0; i < lookups; i++) sink += ring.locate(KEYS[i % KEYS.length]).port;
  }, 3);
  const p = time(() => {
    for (let i = 0; i < lookups; i++) sink += hr.get(KEYS[i % KEYS.length]).length;
  }, 3);
  if (sink === 0) throw new Error('unreachable');
  results.lookup.push({
    servers: n,
    memkitNs: (m * 1e6) / lookups,
    hashringNs: (p * 1e6) / lookups,
    ratio: p / m,
  });
}

// ---- key movement when one server is added or removed ----
const HASHINGS = {
  ketama: (nodes) => new KetamaLocator(nodes, { hashing: 'ketama' }),
  'ketama (discovery: exact points)': (nodes) =>
    new KetamaLocator(nodes, { hashing: 'ketama', points: 'exact' }),
  'ketama-oaat': (nodes) => new KetamaLocator(nodes, { hashing: 'ketama-oaat' }),
  'ketama-md5': (nodes) => new KetamaLocator(nodes, { hashing: 'ketama-md5' }),
  modula: (nodes) => new ModulaLocator(nodes),
};
for (const n of [10, 100, 1000]) {
  const base = parseServers(addresses(n));
  const grown = parseServers(addresses(n + 1));
  const shrunk = base.slice(1);
  for (const [hashing, make] of Object.entries(HASHINGS)) {
    const before = make(base);
    const afterAdd = make(grown);
    const afterRemove = make(shrunk);
    let added = 0;
    let removed = 0;
    let betweenUnchanged = 0;
    for (const k of KEYS) {
      const owner = before.locate(k).address;
      const a = afterAdd.locate(k).address;
      const r = afterRemove.locate(k).address;
      if (a !== owner) added++;
      if (r !== owner) removed++;
      if (a !== owner && a !== grown[n].address) betweenUnchanged++;
      if (r !== owner && owner !== base[0].address) betweenUnchanged++;
    }
    results.movement.push({
      servers: n,
      hashing,
      addMoved: added / KEYS.length,
      removeMoved: removed / KEYS.length,
      ideal: 1 / (n + 1),
      betweenUnchanged,
    });
  }
}

// ---- memory per server ----
if (globalThis.gc) {
  const heap = () => {
    globalThis.gc();
    globalThis.gc();
    return process.memoryUsage().heapUsed;
  };
  const n = 1000;
  const before = heap();
  const client = new Client({ servers: addresses(n) });
  const after = heap();
  results.memory = { servers: n, bytesPerServer: (after - before) / n };
  await client.close();
}

// ---- event-loop pause during a topology change ----
/**
 * Runs `work` and reports the longest gap between 1 ms timer ticks meanwhile:
 * `wall` in elapsed ms, and `cpu` in ms of this process's CPU time. On a
 * shared machine the wall gap also counts time other processes held the
 * CPU; the CPU gap is the stretch of our own work that kept the loop busy.
 */
async function longestPause(work) {
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let last = performance.now();
  let lastCpu = cpuMs();
  let wall = 0;
  let cpu = 0;
  let running = true;
  const tick = () => {
    const now = performance.now();
    const c = cpuMs();
    wall = Math.max(wall, now - last);
    cpu = Math.max(cpu, c - lastCpu);
    last = now;
    lastCpu = c;
    if (running) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  await new Promise((r) => setTimeout(r, 20));
  wall = 0;
  cpu = 0;
  await work();
  await new Promise((r) => setTimeout(r, 5));
  running = false;
  return { wall, cpu };
}

const idle = await longestPause(() => new Promise((r) => setTimeout(r, 300)));
const N = 1000;
const entries = (n, from = 0) =>
  Array.from(
    { length: n },
    (_, i) => `n${i + from}.cache.internal|10.1.${(i + from) >> 8}.${(i + from) & 255}|11211`,
  );
const firsts = [];
const pauses = [];
for (let round = 0; round < 3; round++) {
  const endpoint = await startServer({ clusterConfig: { nodes: entries(N) } });
  const client = new Client({ discovery: { configEndpoint: endpoint.address, interval: 50 } });
  const topology = () => new Promise((r) => client.once('topology', r));
  firsts.push(await longestPause(() => topology()));
  for (let i = 0; i < 4; i++) {
    const change = topology();
    endpoint.setClusterNodes(i % 2 === 0 ? entries(N + 1) : entries(N));
    pauses.push(await longestPause(() => change));
  }
  await client.close();
  await endpoint.close();
}
const syncBuilds = [];
for (let i = 0; i < 3; i++) {
  syncBuilds.push(
    await longestPause(async () => {
      new KetamaLocator(parseServers(addresses(N)), { hashing: 'ketama' });
    }),
  );
}
const summary = (xs) => ({
  cpu: { median: median(xs.map((p) => p.cpu)), worst: Math.max(...xs.map((p) => p.cpu)) },
  wall: { median: median(xs.map((p) => p.wall)), worst: Math.max(...xs.map((p) => p.wall)) },
});
results.pause = {
  servers: N,
  idle: summary([idle]),
  firstTopology: summary(firsts),
  change: summary(pauses),
  syncBuild: summary(syncBuilds),
  runs: { firstTopology: firsts.length, change: pauses.length, syncBuild: syncBuilds.length },
};

// ---- report ----
const lines = [];
lines.push(`Node ${process.version}, ${new Date().toISOString()}`);
lines.push('');
lines.push(
  '| servers | ring build (ms) | hashring (ms) | hashring / memkit | serverFor (ns) | hashring get (ns) | hashring / memkit |',
);
lines.push('|---:|---:|---:|---:|---:|---:|---:|');
results.build.forEach((b, i) => {
  const l = results.lookup[i];
  lines.push(
    `| ${b.servers} | ${fmt(b.memkitMs)} | ${fmt(b.hashringMs)} | ${fmt(b.ratio)}x | ${fmt(l.memkitNs, 0)} | ${fmt(l.hashringNs, 0)} | ${fmt(l.ratio)}x |`,
  );
});
lines.push('');
lines.push(
  '| servers | hashing | keys moved, +1 server | keys moved, -1 server | 1/(N+1) | moved between unchanged servers |',
);
lines.push('|---:|---|---:|---:|---:|---:|');
for (const m of results.movement) {
  lines.push(
    `| ${m.servers} | ${m.hashing} | ${(m.addMoved * 100).toFixed(2)}% | ${(m.removeMoved * 100).toFixed(2)}% | ${(m.ideal * 100).toFixed(2)}% | ${m.betweenUnchanged} |`,
  );
}
lines.push('');
if (results.memory.bytesPerServer !== undefined) {
  lines.push(
    `Memory: ${fmt(results.memory.bytesPerServer / 1024)} KiB per server (client with ${results.memory.servers} servers, not connected).`,
  );
}
const p = results.pause;
lines.push('');
lines.push(
  `Longest event-loop pause while a client applies a ${p.servers}-server topology from a configuration endpoint ` +
    '(median and worst of the runs; CPU ms of this process, which also counts its GC and compiler threads, ' +
    'and wall ms, which also counts other processes):',
);
lines.push('');
lines.push('| | runs | CPU, median | CPU, worst | wall, median | wall, worst |');
lines.push('|---|---:|---:|---:|---:|---:|');
const row = (name, x, runs) =>
  lines.push(
    `| ${name} | ${runs} | ${fmt(x.cpu.median)} | ${fmt(x.cpu.worst)} | ${fmt(x.wall.median)} | ${fmt(x.wall.worst)} |`,
  );
row(`first topology (${p.servers} servers, cold)`, p.firstTopology, p.runs.firstTopology);
row('a change of +/-1 server', p.change, p.runs.change);
row('the same ring built in one go (for contrast)', p.syncBuild, p.runs.syncBuild);
row('nothing running (timer jitter)', p.idle, 1);
console.log(lines.join('\n'));
const json = process.argv.indexOf('--json');
if (json > 0) writeFileSync(process.argv[json + 1], `${JSON.stringify(results, null, 2)}\n`);
