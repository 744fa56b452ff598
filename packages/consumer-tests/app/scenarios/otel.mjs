// @memkit/opentelemetry under a real OpenTelemetry SDK: the instrumentation registered the
// standard way, an AsyncLocalStorage context manager, and a request span around client calls; the
// calls must come out as `set` and `get` spans with the memcached semantic attributes, children of
// the request span (so the runtime carried the async context through the client).
import assert from 'node:assert/strict';
import { TIMEOUTS } from './timeouts.mjs';

function tracerProvider(sdk, exporter) {
  // SDK 3 (@opentelemetry/sdk-trace) takes options objects; SDK 2 (sdk-trace-base) positional ones.
  if (sdk.TracerProvider) {
    return new sdk.TracerProvider({ spanProcessors: [new sdk.SimpleSpanProcessor({ exporter })] });
  }
  return new sdk.BasicTracerProvider({ spanProcessors: [new sdk.SimpleSpanProcessor(exporter)] });
}

const parentOf = (span) => span.parentSpanContext?.spanId ?? span.parentSpanId;

export async function otelScenario({ load, config, memcached, prefix }) {
  const api = await load('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await load('@opentelemetry/context-async-hooks');
  const { registerInstrumentations } = await load('@opentelemetry/instrumentation');
  const sdk = await load(config.otelSdk);
  const { MemkitInstrumentation } = await load('@memkit/opentelemetry');
  const { Client } = await load('@memkit/client');

  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = new sdk.InMemorySpanExporter();
  const provider = tracerProvider(sdk, exporter);
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new MemkitInstrumentation()],
  });
  const client = new Client({ servers: [memcached], ...TIMEOUTS });
  try {
    const tracer = provider.getTracer('consumer');
    await tracer.startActiveSpan('request', async (span) => {
      await client.set(`${prefix}:k`, 'traced');
      assert.equal(await client.get(`${prefix}:k`), 'traced');
      span.end();
    });
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans();
    const request = spans.find((s) => s.name === 'request');
    assert.ok(request, `no request span among ${spans.map((s) => s.name)}`);
    for (const name of ['set', 'get']) {
      const span = spans.find((s) => s.name === name);
      assert.ok(span, `no ${name} span among ${spans.map((s) => s.name)}`);
      assert.equal(span.attributes['db.system.name'], 'memcached', `${name}: db.system.name`);
      assert.equal(parentOf(span), request.spanContext().spanId, `${name} is a child of the request span`);
    }
    return { spans: spans.length };
  } finally {
    unregister();
    await client.close();
    await provider.shutdown();
  }
}
