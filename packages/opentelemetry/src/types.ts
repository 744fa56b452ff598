/**
 * Configuration of `MemkitInstrumentation`.
 */
import type { Span } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';

/** What `responseHook` is told about a finished call. */
export interface MemkitResponseInfo {
  /** The client method. */
  operation: string;
  /** Number of keys the call carried. */
  keyCount: number;
  /** The error the call failed with, if it failed. */
  error: unknown;
}

/** Options of {@link MemkitInstrumentation}. */
export interface MemkitInstrumentationConfig extends InstrumentationConfig {
  /**
   * Opt-in: records a sanitized form of each key (`memkit.key`, or `memkit.keys`
   * for multi-key calls, at most 100). Return `undefined` to leave a key out.
   * Keys are never recorded without this hook: they can hold personal data.
   * @example keyAttribute: (key) => (typeof key === 'string' ? key.replace(/:\d+$/, ':{id}') : undefined)
   */
  keyAttribute?: (key: string | Uint8Array) => string | undefined;
  /**
   * Only trace calls made while a span is active (e.g. inside a request);
   * metrics are recorded either way. Default `false`.
   */
  requireParentSpan?: boolean;
  /** Called before a call's span ends, to add attributes of your own. Errors it throws are logged, never raised. */
  responseHook?: (span: Span, info: MemkitResponseInfo) => void;
}
