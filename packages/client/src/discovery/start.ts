/**
 * Starts discovery for a client: validates the option, builds the source
 * (configuration endpoint or DNS) and the polling loop, and returns the
 * function that stops it.
 */
import type { MemkitError } from '@memkit/protocol';
import type { Cluster } from '../cluster/cluster';
import type { ResolvedOptions } from '../options';
import { ConfigEndpointSource } from './config-endpoint';
import { Discovery } from './discovery';
import { DnsSource } from './dns';
import type { ResolvedDiscovery } from './options';

/** Starts polling; `report` hears each failed poll. Returns `stop`. */
export function startDiscovery(
  d: ResolvedDiscovery,
  cluster: Cluster,
  options: ResolvedOptions,
  report: (err: MemkitError, source: string) => void,
): () => void {
  const source =
    d.kind === 'config' ? new ConfigEndpointSource(d.endpoint, options, d.timeout, d.tls) : new DnsSource(d);
  const discovery = new Discovery(source, cluster, d.interval, (err) => report(err, source.description));
  discovery.start();
  return () => discovery.close();
}
