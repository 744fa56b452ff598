/**
 * libmemcached's ketama point label, shared by the locator and the
 * continuum builder.
 */
import type { ServerNode } from './locator';

const DEFAULT_PORT = 11211;

/**
 * libmemcached's point label: `host-i` on the default port, `host:port-i`
 * otherwise. `host` is used exactly as configured (no DNS, IPv6 without
 * brackets). A unix socket is labelled by its path with port 0, which is how
 * libmemcached stores socket servers (`/run/mc.sock:0-i`).
 */
export function ketamaLabel(node: ServerNode, index: number): string {
  const host = node.socketPath ?? node.host;
  const port = node.socketPath === undefined ? node.port : 0;
  return port === DEFAULT_PORT ? `${host}-${index}` : `${host}:${port}-${index}`;
}
