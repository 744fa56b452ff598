// Traces and metrics of a memkit client printed to the console by the OpenTelemetry Node SDK.
// Run: MEMCACHED_SERVERS=127.0.0.1:11211 node examples/node-sdk.mjs
import { Client } from '@memkit/client';
import { MemkitInstrumentation } from '@memkit/opentelemetry';
import { trace } from '@opentelemetry/api';
import { ConsoleMetricExporter, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';

const sdk = new NodeSDK({
  serviceName: 'memkit-example',
  spanProcessors: [new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() })],
  metricReaders: [new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter() })],
  instrumentations: [new MemkitInstrumentation()],
});
sdk.start();

// Created before or after sdk.start(): memkit publishes on diagnostics channels, nothing is patched.
const client = new Client({ servers: (process.env.MEMCACHED_SERVERS ?? '127.0.0.1:11211').split(',') });
const tracer = trace.getTracer('example');
await tracer.startActiveSpan('GET /greeting', async (request) => {
  // These calls become CLIENT spans named `set` and `getOrSet`, children of the request span.
  await client.set('greeting', 'hello', { ttl: 60 });
  console.log(await client.getOrSet('greeting', () => 'loaded'));
  request.end();
});
await client.close();
await sdk.shutdown(); // flushes the spans and metrics
