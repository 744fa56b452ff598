/**
 * `server.address` / `server.port` of a memcached server, from what memkit
 * publishes: a `TraceServer` on tracing contexts, an address string
 * (`'host:port'`, `'[v6]:port'`, a socket path) on server events.
 */
import type { TraceServer } from '@memkit/client';
import type { Attributes } from '@opentelemetry/api';
import { ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from './semconv';

const cache = new WeakMap<TraceServer, Attributes>();

/** Attributes of a server a call or batch went to (one frozen object per server: do not modify). */
export function attributesOf(server: TraceServer): Attributes {
  let attrs = cache.get(server);
  if (!attrs) {
    attrs = Object.freeze(
      server.port === undefined
        ? { [ATTR_SERVER_ADDRESS]: server.host }
        : { [ATTR_SERVER_ADDRESS]: server.host, [ATTR_SERVER_PORT]: server.port },
    );
    cache.set(server, attrs);
  }
  return attrs;
}

/** Attributes of a server known only by its memkit address. */
export function serverAttributes(address: string): Attributes {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:/]+):(\d+)$/.exec(address);
  if (!m) return { [ATTR_SERVER_ADDRESS]: address };
  return { [ATTR_SERVER_ADDRESS]: m[1], [ATTR_SERVER_PORT]: Number(m[2]) };
}
