// One mode of bench/overhead.mjs, alone and for long enough to profile it:
//   node --cpu-prof --cpu-prof-dir=prof bench/profile.mjs instrumented
// Prints the client CPU per call of each of BENCH_ROUNDS rounds (after a warm-up).
import { Client } from '@memkit/client';
import { KEYS, round, setupModes, startMemcached, VALUE } from './modes.mjs';

const mode = process.argv[2] ?? 'instrumented';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_OPS = Number(process.env.BENCH_ROUND_OPS ?? 200_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);

const server = await startMemcached();
const { setMode, shutdown } = setupModes();
const client = new Client({ servers: [server.address], timeout: 5000 });
try {
  await client.setMulti(Array.from({ length: KEYS }, (_, i) => [`bench:${i}`, VALUE]));
  setMode(mode);
  await round(client, ROUND_OPS / 4, CONCURRENCY);
  const cpu = [];
  for (let r = 0; r < ROUNDS; r++) cpu.push((await round(client, ROUND_OPS, CONCURRENCY)).cpuUsPerOp);
  console.log(`${mode}: client CPU µs/call by round: ${cpu.map((c) => c.toFixed(2)).join(' ')}`);
} finally {
  await client.close();
  await shutdown();
  await server.stop();
}
