// What tracing costs, measured side by side in one process against one real memcached,
// on the `get` workload with 64 concurrent callers (100-byte hits):
//
//   uninstrumented  the OpenTelemetry SDK is set up, MemkitInstrumentation is disabled
//   instrumented    MemkitInstrumentation enabled: every call a recorded span (BatchSpanProcessor)
//                   and a duration point (PeriodicExportingMetricReader), into exporters that
//                   drop everything
//   sampled-1%      the same with the sampler production tracing of a hot cache would use,
//                   ParentBased(TraceIdRatioBased(0.01)): 1 root span in 100 is recorded
//   require-parent  the same SDK with `requireParentSpan: true`: these calls have no parent
//                   span (no request around them), so only their metrics are recorded
//   spans-only      every span recorded, no metrics SDK (the API's no-op meter): with
//                   `instrumented`, splits the SDK's cost between spans and metrics
//   no-sdk          MemkitInstrumentation enabled with no SDK at all (the API's no-op tracer
//                   and meter): the instrumentation's own cost
//   raw-subscriber  no instrumentation, a subscriber that does nothing on
//                   tracingChannel('memkit:command'): the cost of publishing the events
//
// Every round runs each mode once, in a rotating order, and each mode's figure is the
// median of its rounds: the machine is shared and noisy, so only ratios from interleaved
// rounds mean something. Besides throughput, the client's CPU time per call (user + system
// of this process) is reported: it depends much less on the neighbours' load.
//
// Run after building: `pnpm --filter @memkit/opentelemetry bench`
// Knobs: BENCH_ROUNDS (default 9), BENCH_ROUND_OPS (default 60000), BENCH_CONCURRENCY (64),
// BENCH_MODES (comma-separated, default all; `uninstrumented` is always run: it is the base).
import { Client } from '@memkit/client';
import { MODES as ALL_MODES, KEYS, round, setupModes, startMemcached, VALUE } from './modes.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const ROUND_OPS = Number(process.env.BENCH_ROUND_OPS ?? 60000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const chosen = process.env.BENCH_MODES?.split(',').map((m) => m.trim());
for (const m of chosen ?? [])
  if (!ALL_MODES.includes(m)) throw new Error(`unknown mode ${m}: one of ${ALL_MODES}`);
const MODES = ALL_MODES.filter((m) => m === 'uninstrumented' || !chosen || chosen.includes(m));

function median(xs) {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
}

const server = await startMemcached();
const { setMode, shutdown } = setupModes();
const client = new Client({ servers: [server.address], timeout: 5000 });
const results = Object.fromEntries(MODES.map((m) => [m, []]));
try {
  await client.setMulti(Array.from({ length: KEYS }, (_, i) => [`bench:${i}`, VALUE]));
  for (const mode of MODES) {
    setMode(mode);
    await round(client, ROUND_OPS / 4, CONCURRENCY); // warm-up: JIT, connections
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < MODES.length; k++) {
      const mode = MODES[(r + k) % MODES.length];
      setMode(mode);
      results[mode].push(await round(client, ROUND_OPS, CONCURRENCY));
    }
  }
} finally {
  await client.close();
  await shutdown();
  await server.stop();
}

const base = median(results.uninstrumented.map((r) => r.opsPerSec));
const baseCpu = median(results.uninstrumented.map((r) => r.cpuUsPerOp));
const fmt = (x) => Math.round(x).toLocaleString('en-US');
console.log(
  `get, c=${CONCURRENCY}, ${ROUNDS} interleaved rounds of ${ROUND_OPS} calls per mode, ` +
    `Node ${process.version}, memcached on 127.0.0.1\n`,
);
console.log(
  '| mode | median ops/s | vs uninstrumented | client CPU µs/call | added µs/call | rounds (k ops/s) |',
);
console.log('|---|---:|---:|---:|---:|---|');
for (const mode of MODES) {
  const ops = median(results[mode].map((r) => r.opsPerSec));
  const cpu = median(results[mode].map((r) => r.cpuUsPerOp));
  const rounds = results[mode].map((r) => Math.round(r.opsPerSec / 1000)).join(' ');
  console.log(
    `| ${mode} | ${fmt(ops)} | ${((ops / base) * 100).toFixed(1)}% | ${cpu.toFixed(2)} | ` +
      `${mode === 'uninstrumented' ? '–' : `+${(cpu - baseCpu).toFixed(2)}`} | ${rounds} |`,
  );
}
