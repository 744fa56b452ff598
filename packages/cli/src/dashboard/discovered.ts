/**
 * The dashboard's view of a configuration endpoint: re-reads the published
 * node list every interval and keeps one client per published server (added
 * ones get a client, removed ones have theirs closed), so the page shows the
 * nodes the endpoint publishes right now. A failed read keeps the last list.
 */
import { Client, type ClientOptions, type DiscoveredServer, discoverServers } from '@memkit/client';

function connectAddress(s: DiscoveredServer): string {
  if (s.ip === undefined) return s.address;
  return s.ip.includes(':') ? `[${s.ip}]:${s.port}` : `${s.ip}:${s.port}`;
}

export class DiscoveredClients {
  /** One client per published server, by its published `host:port`; read by the monitor each tick. */
  readonly clients = new Map<string, Client>();
  /** The last read's error, cleared by the next good read. */
  lastError: Error | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly endpoint: string,
    private readonly intervalMs: number,
    private readonly clientOptions: Omit<ClientOptions, 'servers'>,
  ) {}

  /** Reads the list once (the dashboard starts with it), then every interval. */
  async start(): Promise<void> {
    await this.refresh();
    this.schedule();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }

  /** Reads the endpoint and brings the clients in line with what it publishes. */
  async refresh(): Promise<void> {
    let found: DiscoveredServer[];
    try {
      const timeout = this.clientOptions.connectTimeout ?? 2000;
      found = await discoverServers({ configEndpoint: this.endpoint, timeout }, this.clientOptions);
      this.lastError = undefined;
    } catch (err) {
      this.lastError = err as Error;
      return;
    }
    if (this.closed) return;
    const published = new Set(found.map((s) => s.address));
    for (const [address, client] of this.clients) {
      if (published.has(address)) continue;
      this.clients.delete(address);
      void client.close();
    }
    const { discovery: _d, resolver: _r, ...options } = this.clientOptions;
    // Re-inserted in the endpoint's (canonical) order, so the page lists them as a client hashes them.
    for (const s of found) {
      const client =
        this.clients.get(s.address) ??
        new Client({ timeout: 2000, deadRetry: 1, ...options, servers: [connectAddress(s)] });
      this.clients.delete(s.address);
      this.clients.set(s.address, client);
    }
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      void this.refresh().finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }
}
