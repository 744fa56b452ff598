#!/usr/bin/env node
/**
 * What the warm-up and shadow routes cost the calls they wrap (a measurement,
 * not a test): client CPU per `get` at concurrency 64 against real memcached,
 * as a ratio to the same client without routes, in paired rounds (every
 * client once per round, repeated; medians), with a second client without
 * routes as an A/A control of the noise. The warm-up client's reads all hit here (the old
 * cluster is never asked: the steady state after warm-up); the shadow ones
 * mirror no key (`fraction: 0`: the wrapper alone) or every key (`fraction: 1`:
 * a second pool gets every read and compares it).
 *
 *   node bench/routes.mjs [--rounds 7] [--ops 100000] [--json bench/results/committed/routes.json]
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { Client } from '@memkit/client';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    ops: { type: 'string', default: '100000' },
    json: { type: 'string' },
  },
});
const ROUNDS = Number(args.rounds);
const OPS = Number(args.ops);
const CONCURRENCY = 64;

async function freePort() {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

async function memcached() {
  const port = await freePort();
  const child = spawn(process.env.MEMCACHED_BIN ?? '/usr/bin/memcached', [
    '-p',
    String(port),
    '-U',
    '0',
    '-t',
    '2',
    '-l',
    '127.0.0.1',
    ...(process.getuid?.() === 0 ? ['-u', 'root'] : []),
  ]);
  const address = `127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const c = new Client({ servers: [address], timeout: 200 });
    const [answer] = await c.version();
    await c.close();
    if (answer.ok) return { address, child };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('memcached did not start');
}

const KEYS = Array.from({ length: 1000 }, (_, i) => `bench:routes:${i}`);

/** Client CPU microseconds per get over OPS gets at CONCURRENCY. */
async function cpuPerGet(client) {
  let next = 0;
  const start = process.cpuUsage();
  const worker = async () => {
    while (next < OPS) {
      const i = next++;
      if ((await client.get(KEYS[i % KEYS.length])) === undefined) throw new Error('miss');
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const used = process.cpuUsage(start);
  return (used.user + used.system) / OPS;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const [primary, old, shadow] = await Promise.all([memcached(), memcached(), memcached()]);
const plain = new Client({ servers: [primary.address] });
await plain.setMulti(KEYS.map((k) => [k, `value of ${k}`]));
// The shadow pool holds the same values: its reads compare equal, as in a warmed trial cluster.
const shadowPlain = new Client({ servers: [shadow.address] });
await shadowPlain.setMulti(KEYS.map((k) => [k, `value of ${k}`]));
await shadowPlain.close();
const clients = {
  plain,
  // A/A control: a second client without routes, for the noise of the rounds.
  plainAgain: new Client({ servers: [primary.address] }),
  warmFrom: new Client({ servers: [primary.address], warmFrom: [old.address] }),
  shadow0: new Client({ servers: [primary.address], shadow: { servers: [shadow.address], fraction: 0 } }),
  shadow1: new Client({ servers: [primary.address], shadow: { servers: [shadow.address], fraction: 1 } }),
};
const samples = Object.fromEntries(Object.keys(clients).map((k) => [k, []]));
for (const c of Object.values(clients)) await cpuPerGet(c); // warm-up round, not counted
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, c] of Object.entries(clients)) samples[name].push(await cpuPerGet(c));
}
const base = median(samples.plain);
const results = {
  node: process.version,
  ops: OPS,
  rounds: ROUNDS,
  concurrency: CONCURRENCY,
  cpuUsPerGet: {},
  ratioToPlain: {},
};
for (const [name, xs] of Object.entries(samples)) {
  results.cpuUsPerGet[name] = Number(median(xs).toFixed(2));
  results.ratioToPlain[name] = Number((median(xs) / base).toFixed(3));
}
results.shadowStats = clients.shadow1.shadowStats();
console.log(JSON.stringify(results, null, 2));
if (args.json) writeFileSync(args.json, `${JSON.stringify(results, null, 2)}\n`);
await Promise.all(Object.values(clients).map((c) => c.close()));
for (const s of [primary, old, shadow]) s.child.kill();
