/**
 * A real OpenTelemetry SDK for the tests: AsyncLocalStorage context manager,
 * the SDK's in-memory span exporter behind a SimpleSpanProcessor, and its
 * in-memory metric exporter behind a PeriodicExportingMetricReader that the
 * tests flush by hand. The instrumentation is registered the standard way.
 */
import { type Attributes, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  AggregationTemporality,
  type DataPoint,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  type Sampler,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { MemkitInstrumentation, type MemkitInstrumentationConfig } from '../../src/index';

export interface Otel {
  instrumentation: MemkitInstrumentation;
  spans: InMemorySpanExporter;
  tracer: ReturnType<TracerProvider['getTracer']>;
  /** Finished spans. */
  finished(): ReadableSpan[];
  /** Exports the metrics now and returns the latest value of each metric by name. */
  metrics(): Promise<Map<string, MetricData>>;
  /** Unregisters the instrumentation and shuts the providers down. */
  shutdown(): Promise<void>;
}

let contextManagerSet = false;

/** `sampler`: the tracer provider's (default: the SDK's, which records every root span). */
export function setupOtel(config: MemkitInstrumentationConfig = {}, sampler?: Sampler): Otel {
  if (!contextManagerSet) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextManagerSet = true;
  }
  const spans = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
    ...(sampler ? { sampler } : {}),
  });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const instrumentation = new MemkitInstrumentation(config);
  const unregister = registerInstrumentations({
    instrumentations: [instrumentation],
    tracerProvider,
    meterProvider,
  });
  return {
    instrumentation,
    spans,
    tracer: tracerProvider.getTracer('memkit-tests'),
    finished: () => spans.getFinishedSpans(),
    async metrics() {
      metricExporter.reset();
      await reader.forceFlush();
      const out = new Map<string, MetricData>();
      for (const rm of metricExporter.getMetrics()) {
        for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.set(m.descriptor.name, m);
      }
      return out;
    },
    async shutdown() {
      unregister();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** The data points of a metric whose attributes include `match`. */
export function points(metric: MetricData | undefined, match: Attributes = {}): DataPoint<unknown>[] {
  if (!metric) return [];
  return (metric.dataPoints as DataPoint<unknown>[]).filter((p) =>
    Object.entries(match).every(([k, v]) => p.attributes[k] === v),
  );
}

/** Sum of the values of counter/gauge points matching `match`. */
export function total(metric: MetricData | undefined, match: Attributes = {}): number {
  return points(metric, match).reduce((n, p) => n + (p.value as number), 0);
}

/** The span's parent span id (SDK 2.x `parentSpanId`, 3.x `parentSpanContext`). */
export function parentOf(span: ReadableSpan): string | undefined {
  const s = span as ReadableSpan & { parentSpanId?: string };
  return s.parentSpanContext?.spanId ?? s.parentSpanId;
}

/** Runs `fn` inside a new active span of the test tracer and ends it after. */
export async function withParent<T>(
  otel: Otel,
  name: string,
  fn: () => Promise<T>,
): Promise<{ id: string; result: T }> {
  return otel.tracer.startActiveSpan(name, async (span) => {
    try {
      return { id: span.spanContext().spanId, result: await fn() };
    } finally {
      span.end();
    }
  });
}

export { trace };
