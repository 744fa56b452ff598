/**
 * Which errors are outages (a server or the network failed) rather than
 * mistakes of the caller (a bad key, a value too large, an aborted call, a
 * closed client, a command the server refused). Outages are what
 * `onError: 'miss'` turns into misses, and what makes a failed write's key
 * worth invalidating later.
 */
import { MemkitError } from '@memkit/protocol';

const OUTAGES: ReadonlySet<string> = new Set([
  'ERR_TIMEOUT',
  'ERR_QUEUE_FULL',
  'ERR_CONNECTION_CLOSED',
  'ERR_CONNECT',
  'ERR_TLS',
  'ERR_AUTH',
  'ERR_SERVER',
  'ERR_SERVER_DEAD',
  'ERR_PROTOCOL',
  'ERR_DISCOVERY',
]);

/** True when `err` says a server or the network failed. */
export function isOutage(err: unknown): err is MemkitError {
  return err instanceof MemkitError && OUTAGES.has(err.code);
}
