/**
 * From memkit's tracing contexts to spans: one CLIENT span per public call
 * (started in the caller's active context, so it is the child of the
 * request being served), and one child span per server batch of a call that
 * fans out over several servers, found through the batch's `parent` link.
 * Keys and values are never recorded unless `keyAttribute` says so.
 *
 * Per call this costs one context read, one `startSpan` with options built
 * once per operation and server, a slot on the call's own context object (no
 * WeakMap), and only what a recording span needs at the end; when the SDK
 * records the span, the duration histogram reads the span's own clock.
 */
import type { BatchTrace, CommandTrace } from '@memkit/client';
import {
  type Context,
  context,
  type DiagLogger,
  type Exception,
  type Span,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { type Operation, operationOf } from './operations';
import {
  ATTR_DB_OPERATION_BATCH_SIZE,
  ATTR_ERROR_TYPE,
  ATTR_MEMKIT_GET_OR_SET_OUTCOME,
  ATTR_MEMKIT_HITS,
  ATTR_MEMKIT_KEY,
  ATTR_MEMKIT_KEYS,
  ATTR_MEMKIT_MISSES,
  ATTR_MEMKIT_NEAR_CACHE_HIT,
  ATTR_MEMKIT_NEAR_CACHE_HITS,
  ATTR_MEMKIT_SERVER_COUNT,
  MAX_KEYS_RECORDED,
} from './semconv';
import { attributesOf } from './server';
import type { MemkitInstrumentationConfig } from './types';

/** A call or batch in flight, kept on its context object under the recorder's own symbol. */
interface InFlight {
  /** Undefined when `requireParentSpan` left the call untraced (metrics still count it). */
  span: Span | undefined;
  /** The caller's context (the span's parent). */
  parent: Context;
  /** The context with `span` active, made when a child needs it. */
  ctx: Context | undefined;
  /** The operation on the server known at start (none yet on a client of several servers). */
  op: Operation;
  /** `performance.now()` at start; NaN when the duration is read from the recorded span. */
  startedAt: number;
}

/** What the metrics are told of a finished call. */
export type RecordCall = (
  op: Operation,
  seconds: number,
  errorType: string | undefined,
  call: CommandTrace,
  hits: number | undefined,
) => void;

/** `error.type`: the `MemkitError` code, else the error's class name. */
export function errorType(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code !== '') return code;
  if (err instanceof Error) return err.name || '_OTHER';
  return '_OTHER';
}

export class SpanRecorder {
  /** Where this recorder keeps its `InFlight` on memkit's context objects (private to it). */
  private readonly slot = Symbol('memkit.otel.inflight');

  constructor(
    private readonly tracer: () => Tracer,
    private readonly config: () => MemkitInstrumentationConfig,
    private readonly record: RecordCall,
    private readonly diag: DiagLogger,
  ) {}

  private inFlight(message: object): InFlight | undefined {
    return (message as { [k: symbol]: InFlight | undefined })[this.slot];
  }

  private keep(message: object, rec: InFlight | undefined): void {
    (message as { [k: symbol]: InFlight | undefined })[this.slot] = rec;
  }

  callStart(call: CommandTrace): void {
    const config = this.config();
    const parent = context.active();
    const op = operationOf(call.operation, call.server);
    let span: Span | undefined;
    if (!config.requireParentSpan || trace.getSpan(parent) !== undefined) {
      const options: SpanOptions =
        op.multiKey && call.keyCount >= 2
          ? {
              kind: SpanKind.CLIENT,
              attributes: { ...op.attributes, [ATTR_DB_OPERATION_BATCH_SIZE]: call.keyCount },
            }
          : op.spanOptions;
      span = this.tracer().startSpan(call.operation, options, parent);
      // An unsampled span only carries its context to children: no attribute work for it.
      if (config.keyAttribute && span.isRecording()) this.addKeys(span, call, config.keyAttribute);
    }
    const rec: InFlight = {
      span,
      parent,
      ctx: undefined,
      op,
      startedAt: span !== undefined && keepsDuration(span) ? Number.NaN : performance.now(),
    };
    if (span && call.operation === 'getOrSet') {
      // The loader runs with the getOrSet span active, so its own spans nest under it.
      const outer = call.runInContext;
      call.runInContext = outer
        ? <R>(fn: () => R): R => context.with(spanContext(rec), () => outer(fn))
        : <R>(fn: () => R): R => context.with(spanContext(rec), fn);
    }
    this.keep(call, rec);
  }

  /** `end`: only a call that threw synchronously is over here (async ones end at `asyncEnd`). */
  callEnd(call: CommandTrace): void {
    if (call.error !== undefined) this.callDone(call);
  }

  callDone(call: CommandTrace): void {
    const rec = this.inFlight(call);
    if (!rec) return;
    this.keep(call, undefined);
    const ownClock = !Number.isNaN(rec.startedAt);
    const now = ownClock ? performance.now() : 0;
    const type = call.error !== undefined ? errorType(call.error) : undefined;
    const hits = call.hits;
    const span = rec.span;
    if (span) {
      if (span.isRecording()) this.describe(span, call, rec, type, hits);
      span.end();
    }
    const seconds = ownClock ? (now - rec.startedAt) / 1000 : spanSeconds(span);
    // The server of a call on a client of several servers is known once the request was sent.
    const op = rec.op.server === call.server ? rec.op : operationOf(call.operation, call.server);
    if (seconds !== undefined) this.record(op, seconds, type, call, hits);
  }

  /** The attributes known only once the call is over, the error, and the user's hook. */
  private describe(
    span: Span,
    call: CommandTrace,
    rec: InFlight,
    type: string | undefined,
    hits: number | undefined,
  ): void {
    if (rec.op.server === undefined && call.server) span.setAttributes(attributesOf(call.server));
    if (call.servers.length > 1) span.setAttribute(ATTR_MEMKIT_SERVER_COUNT, call.servers.length);
    if (hits !== undefined) {
      span.setAttribute(ATTR_MEMKIT_HITS, hits);
      span.setAttribute(ATTR_MEMKIT_MISSES, call.keyCount - hits);
    }
    if (call.outcome !== undefined) span.setAttribute(ATTR_MEMKIT_GET_OR_SET_OUTCOME, call.outcome);
    const near = call.nearCacheHits;
    if (near !== undefined) {
      span.setAttribute(ATTR_MEMKIT_NEAR_CACHE_HIT, near > 0 && near === call.keyCount);
      if (call.keys !== undefined) span.setAttribute(ATTR_MEMKIT_NEAR_CACHE_HITS, near);
    }
    if (type !== undefined) fail(span, call.error, type);
    const hook = this.config().responseHook;
    if (hook) {
      try {
        hook(span, { operation: call.operation, keyCount: call.keyCount, error: call.error });
      } catch (err) {
        this.diag.error('responseHook threw', err);
      }
    }
  }

  batchStart(batch: BatchTrace): void {
    const parent = this.inFlight(batch.parent);
    // Enabled in the middle of a call, the call left out by requireParentSpan, or not sampled
    // (its batches would not be either: the samplers follow the parent).
    if (!parent?.span?.isRecording()) return;
    const op = operationOf(batch.operation, batch.server);
    const options: SpanOptions =
      op.multiKey && batch.keyCount >= 2
        ? {
            kind: SpanKind.CLIENT,
            attributes: { ...op.attributes, [ATTR_DB_OPERATION_BATCH_SIZE]: batch.keyCount },
          }
        : op.spanOptions;
    const ctx = spanContext(parent);
    const span = this.tracer().startSpan(`${batch.operation} ${batch.server.address}`, options, ctx);
    this.keep(batch, { span, parent: ctx, ctx: undefined, op, startedAt: 0 });
  }

  batchEnd(batch: BatchTrace): void {
    if (batch.error !== undefined) this.batchDone(batch);
  }

  batchDone(batch: BatchTrace): void {
    const rec = this.inFlight(batch);
    if (!rec?.span) return;
    this.keep(batch, undefined);
    if (batch.error !== undefined) fail(rec.span, batch.error, errorType(batch.error));
    rec.span.end();
  }

  private addKeys(
    span: Span,
    call: CommandTrace,
    keyAttribute: NonNullable<MemkitInstrumentationConfig['keyAttribute']>,
  ): void {
    try {
      if (call.key !== undefined) {
        const v = keyAttribute(call.key);
        if (typeof v === 'string') span.setAttribute(ATTR_MEMKIT_KEY, v);
      } else if (call.keys) {
        const out: string[] = [];
        for (const key of call.keys) {
          if (out.length >= MAX_KEYS_RECORDED) break;
          const v = keyAttribute(key);
          if (typeof v === 'string') out.push(v);
        }
        if (out.length > 0) span.setAttribute(ATTR_MEMKIT_KEYS, out);
      }
    } catch (err) {
      this.diag.error('keyAttribute threw', err);
    }
  }
}

/**
 * True when the SDK keeps the span's duration (`ReadableSpan.duration`, as the
 * OpenTelemetry JS SDK does for a recording span): the histogram then reads it
 * instead of taking two more clock readings.
 */
function keepsDuration(span: Span): boolean {
  return span.isRecording() && Array.isArray((span as { duration?: unknown }).duration);
}

/** An ended span's duration in seconds, from its `[seconds, nanoseconds]`. */
function spanSeconds(span: Span | undefined): number | undefined {
  const d = (span as { duration?: unknown } | undefined)?.duration;
  if (!Array.isArray(d) || !(d[0] >= 0)) return undefined;
  return (d[0] as number) + (d[1] as number) / 1e9;
}

/** The context with the call's span active (made once, on first need). */
function spanContext(rec: InFlight): Context {
  rec.ctx ??= rec.span ? trace.setSpan(rec.parent, rec.span) : rec.parent;
  return rec.ctx;
}

function fail(span: Span, error: unknown, type: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, type);
  if (error instanceof Error) span.recordException(error as Exception);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}
