/**
 * @memkit/opentelemetry: OpenTelemetry traces and metrics for @memkit/client,
 * from its diagnostics channels, by the database semantic conventions.
 */
export { MemkitInstrumentation } from './instrumentation';
export * from './semconv';
export type { MemkitInstrumentationConfig, MemkitResponseInfo } from './types';
export { PACKAGE_NAME, PACKAGE_VERSION } from './version';
