// What bench/overhead.mjs and bench/profile.mjs share: a private memcached, the
// OpenTelemetry providers with exporters that drop everything, and the modes the
// process can be switched between (see overhead.mjs for what each one measures).
import { spawn } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
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

export const MODES = [
  'uninstrumented',
  'instrumented',
  'sampled-1%',
  'require-parent',
  'spans-only',
  'no-sdk',
  'raw-subscriber',
];
export const KEYS = 1000;
export const VALUE = 'x'.repeat(100);

/** `ops` gets from `concurrency` closed-loop callers: ops/s and client CPU µs per call. */
export async function round(client, ops, concurrency) {
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
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { opsPerSec: ops / seconds, cpuUsPerOp: (used.user + used.system) / ops };
}

/** A private memcached on a free loopback port (not @memkit/testing: it loads vitest). */
export async function startMemcached() {
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

const drop = {
  export: (_items, done) => done({ code: 0 }),
  shutdown: async () => {},
  forceFlush: async () => {},
};

/**
 * The providers and a `setMode(mode)` that puts the process in `mode` from any other
 * (`Instrumentation`: another build of MemkitInstrumentation to compare).
 */
export function setupModes(Instrumentation = MemkitInstrumentation) {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const tracerAll = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: drop })] });
  const tracerSampled = new TracerProvider({
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.01) }),
    spanProcessors: [new BatchSpanProcessor({ exporter: drop })],
  });
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: drop, exportIntervalMillis: 1000 })],
  });
  const instrumentation = new Instrumentation({ enabled: false });
  const rawChannel = diagnostics.tracingChannel('memkit:command');
  const trivial = { start() {}, end() {}, asyncStart() {}, asyncEnd() {}, error() {} };

  function setMode(mode) {
    instrumentation.disable();
    instrumentation.setConfig({ enabled: false, requireParentSpan: mode === 'require-parent' });
    rawChannel.unsubscribe(trivial);
    switch (mode) {
      case 'uninstrumented':
        break;
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
      case 'require-parent':
        instrumentation.setTracerProvider(tracerAll);
        instrumentation.setMeterProvider(meterProvider);
        instrumentation.enable();
        break;
      case 'spans-only':
        instrumentation.setTracerProvider(tracerAll);
        instrumentation.setMeterProvider(metrics.getMeterProvider());
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
      default:
        throw new Error(`unknown mode ${mode}: one of ${MODES.join(', ')}`);
    }
  }

  async function shutdown() {
    setMode('uninstrumented');
    await tracerAll.shutdown();
    await tracerSampled.shutdown();
    await meterProvider.shutdown();
  }
  return { setMode, shutdown };
}
