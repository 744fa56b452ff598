/**
 * `node:diagnostics_channel` events, the way undici publishes them, so
 * tracers and loggers can subscribe without memkit depending on them.
 * Publishing costs nothing when nobody subscribes. Messages never contain
 * values or credentials.
 */
import diagnostics from 'node:diagnostics_channel';

/** Message of `memkit:command:start|end|error`. */
export interface CommandMessage {
  /** The client method, e.g. `get`, `setMulti`. */
  command: string;
  /** Server address, when the command targets one server. */
  server: string | undefined;
  /** How many keys the command carries. */
  keyCount: number;
  /** Milliseconds from start, on `end`/`error`. */
  durationMs?: number;
  /** The error, on `error`. */
  error?: Error;
}

/** Message of `memkit:connection:connect|close|error` and `memkit:server:dead|alive`. */
export interface ConnectionMessage {
  /** The server address. */
  server: string;
  /** The error that closed the connection or killed the server, when there was one. */
  error?: Error;
}

export const channels = {
  commandStart: diagnostics.channel('memkit:command:start'),
  commandEnd: diagnostics.channel('memkit:command:end'),
  commandError: diagnostics.channel('memkit:command:error'),
  connect: diagnostics.channel('memkit:connection:connect'),
  close: diagnostics.channel('memkit:connection:close'),
  connectionError: diagnostics.channel('memkit:connection:error'),
  serverDead: diagnostics.channel('memkit:server:dead'),
  serverAlive: diagnostics.channel('memkit:server:alive'),
  /** A server's circuit-breaker state changed (message: `ServerStateChange`). */
  serverState: diagnostics.channel('memkit:server:state'),
  /** Keys were invalidated on a server, or its invalidations overflowed (message: `InvalidationMessage`). */
  invalidation: diagnostics.channel('memkit:invalidation'),
  /** With `onError: 'miss'`, a failure turned into a miss or `false` (message: `FailureMessage`). */
  failure: diagnostics.channel('memkit:call:failure'),
  /** With `replicas`, copies of a write failed but enough others answered (message: `ReplicaFailureMessage`). */
  replicaFailure: diagnostics.channel('memkit:replica:failure'),
  /** A membership change was applied (message: the `topology` event). */
  topology: diagnostics.channel('memkit:topology'),
  /** Discovery failed to read a topology, or read a bad one (message: `DiscoveryMessage`). */
  discoveryError: diagnostics.channel('memkit:discovery:error'),
  /** `protocol: 'auto'` learned a server's protocol, once per server (message: `ProtocolMessage`). */
  protocol: diagnostics.channel('memkit:server:protocol'),
};

/** Message of `memkit:server:protocol` and of the client's `protocol` event. */
export interface ProtocolMessage {
  /** The server address. */
  server: string;
  /** The protocol memkit speaks to it from now on. */
  protocol: 'meta' | 'text';
  /** Why, in words: what the server answered to the probe. */
  reason: string;
  /** The server's `version` answer, when it gave one. */
  version: string | undefined;
}

/** Message of `memkit:discovery:error`. */
export interface DiscoveryMessage {
  /** What was asked: `'host:port'` of a configuration endpoint, a DNS name. */
  source: string;
  /** What went wrong (`ERR_DISCOVERY`); the last good server list was kept. */
  error: Error;
}

/** True when any command channel has a subscriber. */
export function tracingCommands(): boolean {
  return (
    channels.commandStart.hasSubscribers ||
    channels.commandEnd.hasSubscribers ||
    channels.commandError.hasSubscribers
  );
}

/** Wraps a command promise with start/end/error events. Call only when `tracingCommands()`. */
export function traceCommand<T>(
  command: string,
  server: string | undefined,
  keyCount: number,
  promise: Promise<T>,
): Promise<T> {
  const start = performance.now();
  channels.commandStart.publish({ command, server, keyCount } satisfies CommandMessage);
  return promise.then(
    (value) => {
      const durationMs = performance.now() - start;
      channels.commandEnd.publish({ command, server, keyCount, durationMs } satisfies CommandMessage);
      return value;
    },
    (error: Error) => {
      const durationMs = performance.now() - start;
      channels.commandError.publish({
        command,
        server,
        keyCount,
        durationMs,
        error,
      } satisfies CommandMessage);
      throw error;
    },
  );
}

/** Publishes a connection event. */
export function publishConnection(kind: 'connect' | 'close' | 'error', server: string, error?: Error): void {
  const ch =
    kind === 'connect' ? channels.connect : kind === 'close' ? channels.close : channels.connectionError;
  if (ch.hasSubscribers) ch.publish((error ? { server, error } : { server }) satisfies ConnectionMessage);
}
