/**
 * Discovery from a configuration endpoint (AWS ElastiCache, GCP
 * Memorystore, memkit-server's `clusterConfig` mode): `config get cluster`,
 * falling back for good to `get AmazonElastiCache:cluster` when the
 * endpoint answers the first with `ERROR`. One pipelined connection, with
 * the client's TLS and auth settings; nodes are dialled at their IP when the
 * endpoint gives one and labelled (and TLS-verified) by their host name.
 */
import { type ClusterConfig, MemkitError } from '@memkit/protocol';
import type { ServerNode } from '../cluster/locator';
import { ServerPool } from '../connection/pool';
import { ConfigGetClusterExchange, LegacyClusterGetExchange, NO_CONFIG_COMMAND } from '../exchanges/config';
import type { Exchange } from '../exchanges/exchange';
import type { ResolvedOptions, TlsOptions } from '../options';
import { type DiscoveredTopology, type DiscoverySource, discoveredNode } from './source';

export class ConfigEndpointSource implements DiscoverySource {
  readonly description: string;
  private readonly pool: ServerPool;
  private legacy = false;

  constructor(
    endpoint: ServerNode,
    options: ResolvedOptions,
    private readonly timeout: number,
    tls: false | TlsOptions | undefined,
  ) {
    this.description = endpoint.address;
    // One socket is plenty for one request per interval. The `config` commands are text whatever
    // the data servers speak: no protocol probe here.
    const o: ResolvedOptions = { ...options, connectionsPerServer: 1, protocol: 'text' };
    if (tls !== undefined) o.tls = tls === false ? undefined : tls;
    this.pool = new ServerPool(endpoint, o);
  }

  async read(): Promise<DiscoveredTopology> {
    let config: ClusterConfig;
    if (!this.legacy) {
      const answer = await this.send(new ConfigGetClusterExchange());
      if (answer === NO_CONFIG_COMMAND) {
        this.legacy = true;
        config = await this.send(new LegacyClusterGetExchange());
      } else config = answer;
    } else config = await this.send(new LegacyClusterGetExchange());
    return {
      version: config.version,
      nodes: config.nodes.map((n) => discoveredNode(n.host, n.port, n.ip)),
    };
  }

  close(): void {
    this.pool.close();
  }

  private send<T>(req: Exchange<T>): Promise<T> {
    req.deadline = performance.now() + this.timeout;
    this.pool.send(req);
    return req.promise.catch((err: unknown) => {
      if (err instanceof MemkitError && err.code === 'ERR_DISCOVERY') throw err;
      const text = (err as Error).message;
      const why = text.startsWith(`${this.description}: `) ? text.slice(this.description.length + 2) : text;
      throw new MemkitError('ERR_DISCOVERY', `configuration endpoint ${this.description}: ${why}`, {
        server: this.description,
        cause: err,
      });
    });
  }
}
