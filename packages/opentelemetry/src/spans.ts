/**
 * From memkit's tracing contexts to spans: one CLIENT span per public call
 * (started in the caller's active context, so it is the child of the
 * request being served), and one child span per server batch of a call that
 * fans out over several servers, found through the batch's `parent` link.
 * Keys and values are never recorded unless `keyAttribute` says so.
 */
import type { BatchTrace, CommandTrace } from '@memkit/client';
import {
  type Attributes,
  type Context,
  context,
  type DiagLogger,
  type Exception,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_DB_OPERATION_BATCH_SIZE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_MEMKIT_GET_OR_SET_OUTCOME,
  ATTR_MEMKIT_HITS,
  ATTR_MEMKIT_KEY,
  ATTR_MEMKIT_KEYS,
  ATTR_MEMKIT_MISSES,
  ATTR_MEMKIT_SERVER_COUNT,
  DB_SYSTEM_MEMCACHED,
  MAX_KEYS_RECORDED,
} from './semconv';
import { AttributeCache, attributesOf } from './server';
import type { MemkitInstrumentationConfig } from './types';

/** A call or batch in flight. */
interface InFlight {
  /** Undefined when `requireParentSpan` left the call untraced (metrics still count it). */
  span: Span | undefined;
  /** The caller's context (the span's parent). */
  parent: Context;
  /** The context with `span` active, made when a child needs it. */
  ctx: Context | undefined;
  /** The server attributes were given at start (a client with one server). */
  serverKnown: boolean;
  startedAt: number;
}

/** Multi-key calls: `db.operation.batch.size` only applies to them, and only from 2 keys. */
const MULTI_KEY = new Set(['getMulti', 'getsMulti', 'setMulti', 'deleteMulti']);

/** `error.type`: the `MemkitError` code, else the error's class name. */
export function errorType(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code !== '') return code;
  if (err instanceof Error) return err.name || '_OTHER';
  return '_OTHER';
}

export class SpanRecorder {
  private readonly calls = new WeakMap<CommandTrace, InFlight>();
  private readonly batches = new WeakMap<BatchTrace, InFlight>();

  constructor(
    private readonly tracer: () => Tracer,
    private readonly config: () => MemkitInstrumentationConfig,
    private readonly record: (
      call: CommandTrace,
      seconds: number,
      errorType: string | undefined,
      hits: number | undefined,
    ) => void,
    private readonly diag: DiagLogger,
  ) {}

  callStart(call: CommandTrace): void {
    const config = this.config();
    const parent = context.active();
    const server = call.server;
    const rec: InFlight = {
      span: undefined,
      parent,
      ctx: undefined,
      serverKnown: server !== undefined,
      startedAt: performance.now(),
    };
    if (!config.requireParentSpan || trace.getSpan(parent) !== undefined) {
      let attributes = startAttributes.get(call.operation, server);
      const batch = MULTI_KEY.has(call.operation) && call.keyCount >= 2;
      if (batch || config.keyAttribute) {
        attributes = { ...attributes };
        if (batch) attributes[ATTR_DB_OPERATION_BATCH_SIZE] = call.keyCount;
        if (config.keyAttribute) this.addKeys(attributes, call, config.keyAttribute);
      }
      rec.span = this.tracer().startSpan(call.operation, { kind: SpanKind.CLIENT, attributes }, parent);
      if (call.operation === 'getOrSet') {
        // The loader runs with the getOrSet span active, so its own spans nest under it.
        const outer = call.runInContext;
        call.runInContext = outer
          ? <R>(fn: () => R): R => context.with(spanContext(rec), () => outer(fn))
          : <R>(fn: () => R): R => context.with(spanContext(rec), fn);
      }
    }
    this.calls.set(call, rec);
  }

  /** `end`: only a call that threw synchronously is over here (async ones end at `asyncEnd`). */
  callEnd(call: CommandTrace): void {
    if (call.error !== undefined) this.callDone(call);
  }

  callDone(call: CommandTrace): void {
    const rec = this.calls.get(call);
    if (!rec) return;
    this.calls.delete(call);
    const seconds = (performance.now() - rec.startedAt) / 1000;
    const type = call.error !== undefined ? errorType(call.error) : undefined;
    const hits = call.hits;
    this.record(call, seconds, type, hits);
    const span = rec.span;
    if (!span) return;
    // An unsampled span still carries its context to children; it needs nothing else.
    if (span.isRecording()) this.describe(span, call, rec, type, hits);
    span.end();
  }

  /** The attributes known only once the call is over, the error, and the user's hook. */
  private describe(
    span: Span,
    call: CommandTrace,
    rec: InFlight,
    type: string | undefined,
    hits: number | undefined,
  ): void {
    if (!rec.serverKnown && call.server) span.setAttributes(attributesOf(call.server));
    if (call.servers.length > 1) span.setAttribute(ATTR_MEMKIT_SERVER_COUNT, call.servers.length);
    if (hits !== undefined) {
      span.setAttribute(ATTR_MEMKIT_HITS, hits);
      span.setAttribute(ATTR_MEMKIT_MISSES, call.keyCount - hits);
    }
    if (call.outcome !== undefined) span.setAttribute(ATTR_MEMKIT_GET_OR_SET_OUTCOME, call.outcome);
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
    const parent = this.calls.get(batch.parent);
    // Enabled in the middle of a call, or the call was left out by requireParentSpan.
    if (!parent?.span) return;
    const attributes: Attributes = {
      [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_MEMCACHED,
      [ATTR_DB_OPERATION_NAME]: batch.operation,
      ...attributesOf(batch.server),
    };
    if (MULTI_KEY.has(batch.operation) && batch.keyCount >= 2) {
      attributes[ATTR_DB_OPERATION_BATCH_SIZE] = batch.keyCount;
    }
    const ctx = spanContext(parent);
    const span = this.tracer().startSpan(
      `${batch.operation} ${batch.server.address}`,
      { kind: SpanKind.CLIENT, attributes },
      ctx,
    );
    this.batches.set(batch, { span, parent: ctx, ctx: undefined, serverKnown: true, startedAt: 0 });
  }

  batchEnd(batch: BatchTrace): void {
    if (batch.error !== undefined) this.batchDone(batch);
  }

  batchDone(batch: BatchTrace): void {
    const rec = this.batches.get(batch);
    if (!rec?.span) return;
    this.batches.delete(batch);
    if (batch.error !== undefined) fail(rec.span, batch.error, errorType(batch.error));
    rec.span.end();
  }

  private addKeys(
    attributes: Attributes,
    call: CommandTrace,
    keyAttribute: NonNullable<MemkitInstrumentationConfig['keyAttribute']>,
  ): void {
    try {
      if (call.key !== undefined) {
        const v = keyAttribute(call.key);
        if (typeof v === 'string') attributes[ATTR_MEMKIT_KEY] = v;
      } else if (call.keys) {
        const out: string[] = [];
        for (const key of call.keys) {
          if (out.length >= MAX_KEYS_RECORDED) break;
          const v = keyAttribute(key);
          if (typeof v === 'string') out.push(v);
        }
        if (out.length > 0) attributes[ATTR_MEMKIT_KEYS] = out;
      }
    } catch (err) {
      this.diag.error('keyAttribute threw', err);
    }
  }
}

/** Span start attributes by server (undefined: not known yet) and operation. */
const startAttributes = new AttributeCache((operation) => ({
  [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_MEMCACHED,
  [ATTR_DB_OPERATION_NAME]: operation,
}));

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
