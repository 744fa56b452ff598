/**
 * One client connection through the fault proxy: the accepted socket, its upstream socket to the
 * real server, and the two pumps between them. Owns the per-connection fault state (bytes left
 * before a cut) and how the pair is torn down (graceful end, close, or RST).
 */
import { connect, type Socket } from 'node:net';
import type { FaultProxyStats, Faults } from './faults';
import { Pump } from './pump';

/** What a connection needs from its proxy. */
export interface ConnectionHost {
  readonly faults: Readonly<Faults>;
  /** The live counters (the proxy's public `stats` is a snapshot of them). */
  readonly counters: FaultProxyStats;
  random(): number;
  garbageBytes(): Buffer;
  closed(connection: ProxyConnection): void;
}

/** A client socket paired with an upstream socket, with faults applied server→client. */
export class ProxyConnection {
  private readonly upstream: Socket;
  private readonly toServer: Pump;
  private readonly toClient: Pump;
  private cutRemaining: number | null;
  private destroyed = false;

  constructor(
    private readonly client: Socket,
    target: { host: string; port: number },
    private readonly host: ConnectionHost,
  ) {
    this.cutRemaining = host.faults.cutAfterBytes;
    this.upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
    client.setNoDelay(true);
    const { counters: stats, faults } = host;
    this.toServer = new Pump(client, this.upstream, {
      ingest: (data) => {
        if (faults.latencyMs > 0) stats.faults.latency++;
        return { data, closeAfter: false };
      },
      latencyMs: () => faults.latencyMs,
      held: () => false,
      slow: () => false,
      egress: (data) => ({ data, closeAfter: false }),
      forwarded: (n) => {
        stats.bytesClientToServer += n;
      },
      close: () => this.destroy(),
    });
    this.toClient = new Pump(this.upstream, client, {
      ingest: (chunk) => this.ingestFromServer(chunk),
      latencyMs: () => faults.latencyMs,
      held: () => faults.stall,
      slow: () => faults.slowReads,
      egress: (data) => this.egressToClient(data),
      forwarded: (n) => {
        stats.bytesServerToClient += n;
      },
      close: () => this.destroy(),
    });
    // Errors are followed by 'close'; teardown happens there.
    client.on('error', () => undefined);
    this.upstream.on('error', () => undefined);
    client.on('close', () => this.destroy());
    this.upstream.on('close', (hadError) => {
      // A clean server close is forwarded by the pump (after queued bytes); a failure is not.
      if (hadError) this.destroy();
    });
  }

  /** Re-arms the cut fault: close after `bytes` more server→client bytes (null = off). */
  setCut(bytes: number | null): void {
    this.cutRemaining = bytes;
  }

  /** Lets the pumps re-check the faults (stall lifted, latency or slow reads changed). */
  kick(): void {
    this.toServer.kick();
    this.toClient.kick();
  }

  /** Closes both sockets now (the client sees a FIN). Idempotent. */
  destroy(): void {
    if (this.teardown()) {
      this.client.destroy();
      this.upstream.destroy();
    }
  }

  /** Closes with an RST so the client sees ECONNRESET. Idempotent. */
  reset(): void {
    if (this.teardown()) {
      this.client.resetAndDestroy();
      this.upstream.destroy();
    }
  }

  private teardown(): boolean {
    if (this.destroyed) return false;
    this.destroyed = true;
    this.toServer.dispose();
    this.toClient.dispose();
    this.host.closed(this);
    return true;
  }

  private ingestFromServer(chunk: Buffer): { data: Buffer; closeAfter: boolean } {
    const { faults, counters: stats } = this.host;
    if (faults.latencyMs > 0) stats.faults.latency++;
    if (faults.stall) stats.faults.stall++;
    if (faults.slowReads) stats.faults.slowReads++;
    if (faults.truncateProbability > 0 && this.host.random() < faults.truncateProbability) {
      stats.faults.truncate++;
      const keep = Math.floor(this.host.random() * chunk.length);
      return { data: chunk.subarray(0, keep), closeAfter: true };
    }
    if (faults.garbageProbability > 0 && this.host.random() < faults.garbageProbability) {
      stats.faults.garbage++;
      const at = Math.floor(this.host.random() * (chunk.length + 1));
      const data = Buffer.concat([chunk.subarray(0, at), this.host.garbageBytes(), chunk.subarray(at)]);
      return { data, closeAfter: false };
    }
    return { data: chunk, closeAfter: false };
  }

  private egressToClient(data: Buffer): { data: Buffer; closeAfter: boolean } {
    const remaining = this.cutRemaining;
    if (remaining === null) return { data, closeAfter: false };
    if (data.length < remaining) {
      this.cutRemaining = remaining - data.length;
      return { data, closeAfter: false };
    }
    this.cutRemaining = null;
    this.host.counters.faults.cut++;
    return { data: data.subarray(0, remaining), closeAfter: true };
  }
}
