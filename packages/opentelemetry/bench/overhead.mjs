// What tracing costs, measured side by side in one process against one real memcached,
// on the `get` workload with 64 concurrent callers (100-byte hits):
//
//   uninstrumented  the OpenTelemetry SDK is set up, MemkitInstrumentation is disabled
//   instrumented    MemkitInstrumentation enabled: every call a recorded span (BatchSpanProcessor)
//                   and a duration point (PeriodicExportingMetricReader), into exporters that
//                   drop everything
//   sampled-1%      the same with the sampler production tracing of a hot cache would use,
//                   ParentBased(TraceIdRatioBased(0.01)): 1 root span in 100 is recorded
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
// Knobs: BENCH_ROUNDS (default 9), BENCH_ROUND_OPS (default 60000), BENCH_CONCURRENCY (64).
import { spawn } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
import { Client } from '@memkit/client';
import { MemkitInstrumentation } from '@memkit/opentelemetry';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const ROUND_OPS = Number(process.env.BENCH_ROUND_OPS ?? 60_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const KEYS = 1000;
const VALUE = 'x'.repeat(100);

const drop = {
  export: (_items, done) => done({ code: 0 }),
  shutdown: async () => {},
  forceFlush: async () => {},
};

/** `ops` gets from `CONCURRENCY` closed-loop callers: ops/s and client CPU µs per call. */
async function round(client, ops) {
  let next = 0;
  const worker = async () => {
    while (next < ops) {
      const i = next++;
      const got = await client.get(`bench:${i % KEYS}`);
      if (got !== VALUE) throw new Error(`wrong value for bench:${i % KEYS}`);
    }
  };
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { opsPerSec: ops / seconds, cpuUsPerOp: (used.user + used.system) / ops };
}

/** A private memcached on a free loopback port (not @memkit/testing: it loads vitest). */
async function startMemcached() {
  const port = await new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address();
      probe.close(() => resolve(p));
    });
    probe.once('error', reject);
  });
  const args = ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-t', '2', '-m', '256'];
  // memcached refuses to run as root unless told which user to run as.
  if (process.getuid?.() === 0) args.push('-u', 'root');
  const child = spawn(process.env.MEMCACHED_BIN ?? '/usr/bin/memcached', args, { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for (let i = 0; ; i++) {
    const up = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (i > 100) throw new Error('memcached did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    address: `127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function median(xs) {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
}

const server = await startMemcached();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracerAll = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: drop })] });
const tracerSampled = new TracerProvider({
  sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.01) }),
  spanProcessors: [new BatchSpanProcessor({ exporter: drop })],
});
const meterProvider = new MeterProvider({
  readers: [new PeriodicExportingMetricReader({ exporter: drop, exportIntervalMillis: 1000 })],
});
const instrumentation = new MemkitInstrumentation({ enabled: false });
const rawChannel = diagnostics.tracingChannel('memkit:command');
const trivial = { start() {}, end() {}, asyncStart() {}, asyncEnd() {}, error() {} };

/** Puts the process in `mode` (from any other). */
function setMode(mode) {
  instrumentation.disable();
  rawChannel.unsubscribe(trivial);
  switch (mode) {
    case 'instrumented':
      instrumentation.setTracerProvider(tracerAll);
      instrumentation.setMeterProvider(meterProvider);
      instrumentation.enable();
      break;
    case 'sampled-1%':
      instrumentation.setTracerProvider(tracerSampled);
      instrumentation.setMeterProvider(meterProvider);
      instrumentation.enable();
      break;
    case 'no-sdk':
      instrumentation.setTracerProvider(trace.getTracerProvider());
      instrumentation.setMeterProvider(metrics.getMeterProvider());
      instrumentation.enable();
      break;
    case 'raw-subscriber':
      rawChannel.subscribe(trivial);
      break;
  }
}

const MODES = ['uninstrumented', 'instrumented', 'sampled-1%', 'no-sdk', 'raw-subscriber'];
const client = new Client({ servers: [server.address], timeout: 5000 });
const results = Object.fromEntries(MODES.map((m) => [m, []]));
try {
  await client.setMulti(Array.from({ length: KEYS }, (_, i) => [`bench:${i}`, VALUE]));
  for (const mode of MODES) {
    setMode(mode);
    await round(client, ROUND_OPS / 4); // warm-up: JIT, connections
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < MODES.length; k++) {
      const mode = MODES[(r + k) % MODES.length];
      setMode(mode);
      results[mode].push(await round(client, ROUND_OPS));
    }
  }
  setMode('uninstrumented');
} finally {
  await client.close();
  await tracerAll.shutdown();
  await tracerSampled.shutdown();
  await meterProvider.shutdown();
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
