/**
 * The discovery loop: reads the source now and then every `interval`,
 * hands each new server list to `Cluster.applyTopology`, and keeps the last
 * good list whenever the source is down, slow, or answers something bad
 * (reported once per failed poll through `report`, never by failing a data
 * command). A configuration endpoint's list is applied only when its
 * version rises; DNS lists, which have no version, whenever they differ
 * (numbered by a local counter).
 *
 * Until the first list arrives, failed polls are retried sooner (from
 * 250 ms, doubling, up to `interval`) so a client started while its
 * endpoint is briefly unreachable does not wait a whole interval; commands
 * wait meanwhile, bounded by their timeouts. The timer is unref'd: polling
 * never keeps a process alive.
 */
import { MemkitError } from '@memkit/protocol';
import type { Cluster } from '../cluster/cluster';
import { canonicalOrder } from '../cluster/topology';
import type { DiscoverySource } from './source';

const FIRST_RETRY_MS = 250;

export class Discovery {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private failures = 0;
  /** Highest version seen from a versioned source. */
  private seen = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly source: DiscoverySource,
    private readonly cluster: Cluster,
    private readonly interval: number,
    private readonly report: (err: MemkitError) => void,
  ) {}

  /** Polls now, then on the interval. */
  start(): void {
    void this.poll();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.source.close();
  }

  /** One poll; resolves when it has been applied or reported. */
  private async poll(): Promise<void> {
    try {
      const found = await this.source.read();
      // Reading (parsing a long node list) took a turn of its own; applying gets another.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.closed) return;
      if (found.nodes.length === 0) throw this.error('the source listed no servers');
      const cluster = this.cluster;
      if (found.version !== undefined) {
        // A configuration endpoint: act only when its version rises.
        if (found.version <= this.seen) {
          this.failures = 0;
          return;
        }
        await cluster.applyTopology(canonicalOrder(found.nodes), found.version);
        this.seen = found.version;
      } else {
        await cluster.applyTopology(canonicalOrder(found.nodes), cluster.version + 1);
      }
      this.failures = 0;
    } catch (err) {
      if (this.closed) return;
      this.failures++;
      const e =
        err instanceof MemkitError && err.code === 'ERR_DISCOVERY'
          ? err
          : this.error(err instanceof Error ? err.message : String(err), err);
      if (!this.cluster.ready) this.cluster.pendingReason = e;
      this.report(e);
    } finally {
      if (!this.closed) this.schedule();
    }
  }

  private schedule(): void {
    const delay =
      this.cluster.ready || this.failures === 0
        ? this.interval
        : Math.min(this.interval, FIRST_RETRY_MS * 2 ** Math.min(this.failures - 1, 16));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, delay);
    this.timer.unref();
  }

  private error(message: string, cause?: unknown): MemkitError {
    return new MemkitError('ERR_DISCOVERY', `discovery from ${this.source.description}: ${message}`, {
      cause,
    });
  }
}
