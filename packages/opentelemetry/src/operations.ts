/**
 * What every call of one operation on one server shares, built once: its
 * attributes (the same set starts its span and labels its duration), the
 * span options that carry them, and its failures' attributes by `error.type`.
 * A traced call allocates no attribute object, and the SDK is handed the same
 * frozen objects again and again.
 */
import type { TraceServer } from '@memkit/client';
import { type Attributes, SpanKind, type SpanOptions } from '@opentelemetry/api';
import { ATTR_DB_OPERATION_NAME, ATTR_DB_SYSTEM_NAME, ATTR_ERROR_TYPE, DB_SYSTEM_MEMCACHED } from './semconv';
import { attributesOf } from './server';

/** Multi-key calls: `db.operation.batch.size` only applies to them, and only from 2 keys. */
const MULTI_KEY = new Set(['getMulti', 'getsMulti', 'setMulti', 'deleteMulti']);

/** Distinct `error.type`s remembered per operation; past that, failures build their attributes. */
const MAX_FAILURE_KINDS = 32;

/** One operation on one server (or on no single server). Its objects are frozen: do not modify. */
export class Operation {
  /** `db.system.name`, `db.operation.name`, and the server's `server.address` / `server.port`. */
  readonly attributes: Attributes;
  /** `{ kind: CLIENT, attributes }`, for `startSpan`. */
  readonly spanOptions: SpanOptions;
  /** `db.operation.batch.size` applies (from 2 keys). */
  readonly multiKey: boolean;
  private readonly failures = new Map<string, Attributes>();

  constructor(
    readonly name: string,
    readonly server: TraceServer | undefined,
  ) {
    this.attributes = Object.freeze({
      [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_MEMCACHED,
      [ATTR_DB_OPERATION_NAME]: name,
      ...(server ? attributesOf(server) : {}),
    });
    this.spanOptions = Object.freeze({ kind: SpanKind.CLIENT, attributes: this.attributes });
    this.multiKey = MULTI_KEY.has(name);
  }

  /** The attributes plus `error.type`. */
  failed(type: string): Attributes {
    let attrs = this.failures.get(type);
    if (!attrs) {
      attrs = Object.freeze({ ...this.attributes, [ATTR_ERROR_TYPE]: type });
      if (this.failures.size < MAX_FAILURE_KINDS) this.failures.set(type, attrs);
    }
    return attrs;
  }
}

/** Weak on servers, so closed clients' servers are forgotten. */
const byServer = new WeakMap<TraceServer, Map<string, Operation>>();
const noServer = new Map<string, Operation>();
// A busy process repeats one call on one server: the last answer is kept at hand.
let last: Operation | undefined;

/** The entry of `name` on `server` (undefined: not known, or several). */
export function operationOf(name: string, server: TraceServer | undefined): Operation {
  if (last !== undefined && last.name === name && last.server === server) return last;
  let byName = server ? byServer.get(server) : noServer;
  if (!byName) {
    byName = new Map();
    byServer.set(server!, byName);
  }
  let op = byName.get(name);
  if (!op) {
    op = new Operation(name, server);
    byName.set(name, op);
  }
  last = op;
  return op;
}
