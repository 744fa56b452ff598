/**
 * `MemkitInstrumentation`: a standard OpenTelemetry instrumentation that
 * subscribes to @memkit/client's diagnostics channels. Nothing is patched,
 * so it sees every client whether it was created before or after
 * registration, from the ESM or the CJS build; `disable()` unsubscribes.
 */
import diagnostics from 'node:diagnostics_channel';
import type { BatchTrace, CommandTrace } from '@memkit/client';
import { InstrumentationBase } from '@opentelemetry/instrumentation';
import { MemkitMetrics } from './metrics';
import { SpanRecorder } from './spans';
import type { MemkitInstrumentationConfig } from './types';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

/**
 * Traces and metrics for @memkit/client by the OpenTelemetry database
 * semantic conventions: one CLIENT span per call (`get`, `getMulti`, …) with
 * `db.system.name = "memcached"`, child spans per server batch, and the
 * `db.client.operation.duration` histogram plus connection, pending-request,
 * hit/miss, failover and getOrSet metrics.
 *
 * @example
 * import { registerInstrumentations } from '@opentelemetry/instrumentation';
 * import { MemkitInstrumentation } from '@memkit/opentelemetry';
 * registerInstrumentations({ instrumentations: [new MemkitInstrumentation()] });
 */
export class MemkitInstrumentation extends InstrumentationBase<MemkitInstrumentationConfig> {
  // Declared, not initialized: the base constructor calls `_updateMetricInstruments()` and
  // `enable()` before this class's field initializers would run (and they would reset them).
  declare private metricSet: MemkitMetrics | undefined;
  declare private spans: SpanRecorder | undefined;
  declare private unsubscribers: Array<() => void> | undefined;

  constructor(config: MemkitInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  /** No module to patch: everything arrives through diagnostics channels. */
  protected override init(): undefined {
    return undefined;
  }

  protected override _updateMetricInstruments(): void {
    this.metricSet = new MemkitMetrics(this.meter, () => (this.unsubscribers?.length ?? 0) > 0);
  }

  /** Subscribes to memkit's channels (called by `registerInstrumentations` and the constructor). */
  override enable(): void {
    super.enable();
    if (this.unsubscribers?.length) return;
    this.unsubscribers = [];
    const spans = this.recorder();
    this.subscribeTracing<CommandTrace>('memkit:command', {
      start: this.guard(spans.callStart, spans),
      end: this.guard(spans.callEnd, spans),
      asyncEnd: this.guard(spans.callDone, spans),
    });
    this.subscribeTracing<BatchTrace>('memkit:batch', {
      start: this.guard(spans.batchStart, spans),
      end: this.guard(spans.batchEnd, spans),
      asyncEnd: this.guard(spans.batchDone, spans),
    });
    this.subscribe('memkit:server:dead', (m) => this.metricSet?.transition('dead', serverOf(m)));
    this.subscribe('memkit:server:alive', (m) => this.metricSet?.transition('alive', serverOf(m)));
  }

  /** Unsubscribes from every channel: no span or metric is recorded until `enable()`. */
  override disable(): void {
    super.disable();
    for (const unsubscribe of this.unsubscribers ?? []) unsubscribe();
    this.unsubscribers = [];
  }

  private recorder(): SpanRecorder {
    this.spans ??= new SpanRecorder(
      () => this.tracer,
      () => this.getConfig(),
      (op, seconds, type, call, hits) => this.metricSet?.call(op, seconds, type, call, hits),
      this._diag,
    );
    return this.spans;
  }

  /** Subscribes to a tracing channel with handlers made by `guard`. */
  private subscribeTracing<T extends object>(
    name: string,
    handlers: { start: (c: T) => void; end: (c: T) => void; asyncEnd: (c: T) => void },
  ): void {
    const channel = diagnostics.tracingChannel<string, T>(name);
    // Only the events used: Node skips the missing ones (its typings want all five).
    const subscribers = handlers as unknown as diagnostics.TracingChannelSubscribers<T>;
    channel.subscribe(subscribers);
    this.unsubscribers!.push(() => channel.unsubscribe(subscribers));
  }

  private subscribe(name: string, handler: (message: unknown) => void): void {
    const guarded = this.guard(handler);
    diagnostics.subscribe(name, guarded);
    this.unsubscribers!.push(() => diagnostics.unsubscribe(name, guarded));
  }

  /** `fn` as a channel subscriber: one that throws is logged, never raised into the client. */
  private guard<T>(fn: (message: T) => void, self?: object): (message: T) => void {
    return (message) => {
      try {
        fn.call(self, message);
      } catch (err) {
        this._diag.error('failed to record a memkit event', err);
      }
    };
  }
}

function serverOf(message: unknown): string {
  const server = (message as { server?: unknown } | null)?.server;
  return typeof server === 'string' ? server : 'unknown';
}
