/**
 * Optional OpenTelemetry for the sample apps: with `MEMKIT_OTEL=console`,
 * the OpenTelemetry Node SDK prints every span (memkit's calls, and the HTTP
 * requests they serve) and, every `MEMKIT_OTEL_METRICS_INTERVAL` ms (default
 * 60000) and at exit, the metrics, on stdout. Nothing is loaded otherwise.
 */

import { createRequire } from 'node:module';

/** A started SDK. */
export interface Telemetry {
  /** Flushes the last spans and metrics, then stops the SDK. */
  shutdown(): Promise<void>;
}

/** The values `MEMKIT_OTEL` accepts. */
export const TELEMETRY_MODES = ['console'] as const;

/**
 * Starts the SDK when `mode` (default: `MEMKIT_OTEL`) asks for it; undefined
 * when it is unset or empty. Throws on a value it does not know, so a typo
 * does not silently turn tracing off.
 */
export async function startTelemetry(mode = process.env.MEMKIT_OTEL): Promise<Telemetry | undefined> {
  if (mode === undefined || mode === '') return undefined;
  if (!(TELEMETRY_MODES as readonly string[]).includes(mode)) {
    throw new Error(`MEMKIT_OTEL=${JSON.stringify(mode)}: expected one of ${TELEMETRY_MODES.join(', ')}`);
  }
  const [{ NodeSDK }, trace, metrics, { HttpInstrumentation }, { MemkitInstrumentation }] = await Promise.all(
    [
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/sdk-metrics'),
      import('@opentelemetry/instrumentation-http'),
      import('@memkit/opentelemetry'),
    ],
  );
  const interval = Number(process.env.MEMKIT_OTEL_METRICS_INTERVAL || 60_000);
  const sdk = new NodeSDK({
    spanProcessors: [new trace.SimpleSpanProcessor({ exporter: new trace.ConsoleSpanExporter() })],
    metricReaders: [
      new metrics.PeriodicExportingMetricReader({
        exporter: new metrics.ConsoleMetricExporter(),
        exportIntervalMillis: interval,
      }),
    ],
    // The apps write no OpenTelemetry logs: no log exporter.
    logRecordProcessors: [],
    instrumentations: [new HttpInstrumentation(), new MemkitInstrumentation()],
  });
  sdk.start();
  // The HTTP instrumentation patches node:http the next time it is required. The apps have
  // loaded it already (their static imports run before main), so require it once more now:
  // the patch lands on the one shared module, and request spans become the parents of
  // memkit's spans. (memkit itself needs no such step: it publishes on diagnostics channels.)
  createRequire(import.meta.url)('node:http');
  return { shutdown: () => sdk.shutdown() };
}
