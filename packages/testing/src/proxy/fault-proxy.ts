/**
 * The fault-injecting TCP proxy: listens on 127.0.0.1, pairs each client with a fresh
 * connection to the real server, and applies the faults a test sets at runtime. Owns the
 * listener, the live connections, the shared PRNG and the stats.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { MemkitError } from '@memkit/protocol';
import { createPrng } from '../prng';
import { type ConnectionHost, ProxyConnection } from './connection';
import { emptyStats, type FaultProxyStats, type Faults, NO_FAULTS, validateFaults } from './faults';

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** The real server to forward to. */
  target: { host: string; port: number };
  /** Port to listen on (127.0.0.1). Default: a free one. */
  listenPort?: number;
  /** Faults active from the start. Default: none. */
  faults?: Partial<Faults>;
}

/** A running fault proxy; see {@link startFaultProxy}. */
export interface FaultProxy {
  /** Always `'127.0.0.1'`. */
  readonly host: string;
  /** The port clients connect to (stable across `refuse` toggles). */
  readonly port: number;
  /** `'127.0.0.1:port'`. */
  readonly address: string;
  /** Connections currently open through the proxy. */
  readonly connections: number;
  /** A snapshot of the counters. */
  readonly stats: FaultProxyStats;
  /** The faults in force. */
  readonly faults: Readonly<Faults>;
  /** Changes some faults; resolves once applied (matters for `refuse`, which re-listens). */
  set(faults: Partial<Faults>): Promise<void>;
  /** Back to no faults (stalled bytes are released, listening resumes). */
  reset(): Promise<void>;
  /** Destroys every open connection with an RST (clients see ECONNRESET). Returns how many. */
  resetConnections(): number;
  /** Stops listening and destroys every connection. Idempotent. */
  close(): Promise<void>;
}

class TcpFaultProxy implements FaultProxy, ConnectionHost {
  readonly host = '127.0.0.1';
  port = 0;
  readonly faults: Faults = { ...NO_FAULTS };
  readonly counters = emptyStats();
  private readonly live = new Set<ProxyConnection>();
  private server: Server | undefined;
  private prng = createPrng(NO_FAULTS.seed);
  private garbageBuffer = Buffer.from(NO_FAULTS.garbage);
  private closing: Promise<void> | undefined;

  constructor(private readonly target: { host: string; port: number }) {}

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get connections(): number {
    return this.live.size;
  }

  get stats(): FaultProxyStats {
    return { ...this.counters, faults: { ...this.counters.faults } };
  }

  random(): number {
    return this.prng();
  }

  garbageBytes(): Buffer {
    return this.garbageBuffer;
  }

  closed(connection: ProxyConnection): void {
    this.live.delete(connection);
  }

  async set(faults: Partial<Faults>): Promise<void> {
    if (this.closing) throw new MemkitError('ERR_CLIENT_CLOSED', 'FaultProxy is closed');
    validateFaults(faults);
    // Mutated in place: connections hold a reference to this object.
    Object.assign(this.faults, faults);
    if (faults.seed !== undefined) this.prng = createPrng(faults.seed);
    if (faults.garbage !== undefined) {
      const { garbage } = faults;
      this.garbageBuffer =
        typeof garbage === 'string' ? Buffer.from(garbage, 'latin1') : Buffer.from(garbage);
    }
    if (faults.cutAfterBytes !== undefined) for (const c of this.live) c.setCut(faults.cutAfterBytes);
    for (const c of this.live) c.kick();
    await this.applyListening();
  }

  reset(): Promise<void> {
    return this.set({ ...NO_FAULTS });
  }

  resetConnections(): number {
    const count = this.live.size;
    this.counters.faults.reset += count;
    for (const c of [...this.live]) c.reset();
    return count;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const c of [...this.live]) c.destroy();
      await this.stopListening();
    })();
    return this.closing;
  }

  /** Binds (again) on `port`, or a free port the first time when `port` is 0. */
  async listen(port: number): Promise<void> {
    const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      throw new MemkitError('ERR_CONNECT', `FaultProxy cannot listen on ${this.host}:${port}`, {
        cause: err,
      });
    });
    const address = server.address();
    if (typeof address === 'object' && address !== null) this.port = address.port;
    this.server = server;
  }

  private accept(socket: Socket): void {
    this.counters.connectionsAccepted++;
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.faults.dropNewConnections) {
      this.counters.faults.drop++;
      socket.on('error', () => undefined);
      socket.destroy();
      return;
    }
    this.live.add(new ProxyConnection(socket, this.target, this));
  }

  private async applyListening(): Promise<void> {
    if (this.faults.refuse && this.server) {
      this.counters.faults.refuse++;
      await this.stopListening();
    } else if (!this.faults.refuse && !this.server && !this.closing) {
      await this.listen(this.port);
    }
  }

  private stopListening(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    // close() stops accepting at once; its callback waits for connections the server still
    // counts, which we destroy ourselves, so don't wait for it beyond this tick.
    return new Promise((resolve) => {
      server.close(() => resolve());
      if (this.live.size > 0) setImmediate(resolve);
    });
  }
}

/**
 * Starts a TCP proxy on 127.0.0.1 in front of `target` (a real memcached) whose faults a test
 * can change at any time: latency, stalls, dropped/refused/reset connections, cuts in the
 * middle of a reply, truncated chunks, injected garbage and one-byte reads.
 *
 * @example
 * const proxy = await startFaultProxy({ target: mc });
 * await proxy.set({ cutAfterBytes: 10 }); // the next reply is cut after 10 bytes
 * await proxy.close();
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const proxy = new TcpFaultProxy({ host: options.target.host, port: options.target.port });
  if (options.faults) validateFaults(options.faults);
  await proxy.listen(options.listenPort ?? 0);
  if (options.faults) await proxy.set(options.faults);
  return proxy;
}
