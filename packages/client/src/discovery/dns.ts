/**
 * Discovery through DNS: A/AAAA records (every address a server on one
 * port: a Kubernetes headless Service, Consul) or SRV records (every target
 * and port a server), asked of the system's DNS servers or of `resolver`.
 *
 * Ring labels: an A/AAAA server is labelled by its IP, because the IP is all
 * DNS says about it; a pod replaced under a headless Service gets a new IP
 * and starts with an empty cache, so treating it as a new server (its keys
 * move, the old entry leaves) is exactly right. An SRV server is labelled by
 * its target name (`memcached-0.memcached.ns.svc.cluster.local` for a
 * StatefulSet pod), which survives the pod being rescheduled with a new IP:
 * the keys stay with that member and only its connections are replaced. In
 * both cases the label does not depend on the order records come back in.
 */
import { Resolver } from 'node:dns/promises';
import { MemkitError } from '@memkit/protocol';
import type { ServerNode } from '../cluster/locator';
import type { ResolvedDiscovery } from './options';
import { type DiscoveredTopology, type DiscoverySource, discoveredNode } from './source';

type DnsDiscovery = Extract<ResolvedDiscovery, { kind: 'dns' | 'srv' }>;

/** Answers that mean "no records of this type", as opposed to a failure to ask. */
const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND']);

export class DnsSource implements DiscoverySource {
  readonly description: string;
  private resolver: Resolver;

  constructor(private readonly d: DnsDiscovery) {
    this.description = `${d.kind === 'srv' ? 'SRV' : 'A/AAAA'} ${d.name}`;
    this.resolver = this.newResolver();
  }

  async read(): Promise<DiscoveredTopology> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Abandon the queries: a fresh resolver serves the next poll.
        this.resolver.cancel();
        this.resolver = this.newResolver();
        reject(this.error(`no answer within ${this.d.timeout} ms`));
      }, this.d.timeout);
    });
    try {
      const nodes = await Promise.race([this.d.kind === 'srv' ? this.srv() : this.addresses(), timeout]);
      return { version: undefined, nodes };
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.resolver.cancel();
  }

  private newResolver(): Resolver {
    // Our own deadline bounds the poll; c-ares retries within it.
    const r = new Resolver({ timeout: Math.max(100, Math.floor(this.d.timeout / 2)), tries: 2 });
    if (this.d.resolver) r.setServers(this.d.resolver);
    return r;
  }

  private async addresses(): Promise<ServerNode[]> {
    const d = this.d as Extract<DnsDiscovery, { kind: 'dns' }>;
    const ips = await this.ipsOf(d.name);
    if (ips.length === 0) throw this.error(`${d.name} has no A or AAAA records`);
    return ips.map((ip) => discoveredNode(ip, d.port));
  }

  private async srv(): Promise<ServerNode[]> {
    let records: Array<{ name: string; port: number }>;
    try {
      records = await this.resolver.resolveSrv(this.d.name);
    } catch (err) {
      throw this.error(`SRV ${this.d.name}: ${(err as Error).message}`, err);
    }
    const targets = new Map<string, { name: string; port: number }>();
    for (const r of records) targets.set(`${r.name.toLowerCase()}:${r.port}`, r);
    if (targets.size === 0) throw this.error(`${this.d.name} has no SRV records`);
    const nodes = await Promise.all(
      [...targets.values()].map(async (r) => {
        const ips = await this.ipsOf(r.name);
        if (ips.length === 0) throw this.error(`SRV target ${r.name} has no A or AAAA records`);
        // The lowest address, so the choice is stable when a target has several.
        return discoveredNode(r.name, r.port, ips[0]);
      }),
    );
    return nodes;
  }

  /** A and AAAA records of `name`, sorted; empty when it has neither. */
  private async ipsOf(name: string): Promise<string[]> {
    const [v4, v6] = await Promise.allSettled([this.resolver.resolve4(name), this.resolver.resolve6(name)]);
    const ips: string[] = [];
    for (const r of [v4, v6]) {
      if (r.status === 'fulfilled') ips.push(...r.value);
      else if (!NO_RECORDS.has((r.reason as NodeJS.ErrnoException).code ?? '')) {
        throw this.error(`${name}: ${(r.reason as Error).message}`, r.reason);
      }
    }
    return [...new Set(ips)].sort();
  }

  private error(message: string, cause?: unknown): MemkitError {
    return new MemkitError('ERR_DISCOVERY', `DNS discovery: ${message}`, { cause });
  }
}
