/**
 * The connections to one server: up to `connectionsPerServer` pipelined
 * sockets, created lazily, replaced when they die. The socket with requests
 * outstanding takes every new request (so commands stay in the order they
 * were issued); a server with nothing outstanding sends on its next socket.
 * Exponential backoff after connect failures (during backoff, commands fail
 * fast instead of piling up). Counts consecutive failures (connect errors and timeouts) so
 * the cluster can mark the server dead. Bounds what waits for the server: past `maxQueue`
 * requests queued or in flight, new ones fail at once with ERR_QUEUE_FULL. `end()` closes
 * gracefully: no new requests, the pending ones finish, then each connection sends `quit`.
 */
import { EventEmitter } from 'node:events';
import { MemkitError, type MetadumpScope } from '@memkit/protocol';
import type { ConnectionStates } from '../census';
import type { ServerNode } from '../cluster/locator';
import { channels, type ProtocolMessage, publishConnection } from '../diagnostics';
import { type Dialect, dialectFor } from '../dialect/index';
import { pendingDialect } from '../dialect/pending';
import type { Exchange, WriteFailureSink } from '../exchanges/exchange';
import type { ProtocolVerdict } from '../exchanges/protocol-probe';
import type { WireKey } from '../keys';
import type { ResolvedOptions } from '../options';
import { isOutage } from '../routes/outage';
import { type CloseReason, Connection, type ConnectionOptions, type ConnectionOwner } from './connection';
import { DialectProbe } from './dialect-probe';

/**
 * Events: `connect` (address), `close` (address, error), `failure` (address, error, consecutive count),
 * `recovered` (address: a good reply after failures), `writeFailed` (pool, key: a write failed on an outage),
 * `protocol` (`ProtocolMessage`, once, when `protocol: 'auto'` learned the server's dialect).
 */
export class ServerPool extends EventEmitter implements ConnectionOwner, WriteFailureSink {
  /**
   * How this server is spoken to. Chosen per server, so that servers of one
   * client may speak different dialects. With `protocol: 'auto'` it is the
   * pending dialect until the server's probe answers (see `probe`).
   */
  dialect: Dialect;
  /** With `protocol: 'auto'`, until the dialect is known: holds requests while the server is probed. */
  private probe: DialectProbe | undefined;
  private readonly conns: Array<Connection | undefined>;
  private next = 0;
  /** Consecutive failures (connect errors, timeouts, dropped connections) since the last good reply. */
  failures = 0;
  /** Seconds: TTLs written to this server are clamped to it (a gutter server); undefined for no cap. */
  ttlCap: number | undefined = undefined;
  private retryAt = 0;
  private lastError: MemkitError | undefined;
  private closed = false;
  /** Set by `retire()`: the server left the cluster. */
  private retiring = false;
  /** Set by `end()`: new requests are refused, pending ones finish. */
  private ending = false;
  /** How metadump walks this server: the hash table, or its LRUs once it refused that (before 1.6.9). */
  metadumpScope: MetadumpScope = 'hash';
  /** One-off connections of `sendAlone` (metadump), closed with the pool. */
  private readonly alone = new Set<Connection>();

  constructor(
    readonly node: ServerNode,
    private readonly options: ResolvedOptions,
  ) {
    super();
    this.conns = new Array(options.connectionsPerServer);
    if (options.protocol === 'auto') {
      this.dialect = pendingDialect;
      this.probe = new DialectProbe(
        {
          node,
          route: (req) => this.route(req),
          learned: (verdict) => this.learned(verdict),
          announce: (verdict) => this.announce(verdict),
        },
        options.connectTimeout + options.timeout,
      );
    } else this.dialect = dialectFor(options.protocol);
  }

  /** Sends a new request on one of this server's connections (refused once closing, or past `maxQueue`). */
  send(req: Exchange): void {
    if (this.closed || this.ending) {
      req.reject(this.closedError());
      return;
    }
    if (this.pending() >= this.options.maxQueue) {
      req.reject(
        new MemkitError(
          'ERR_QUEUE_FULL',
          `${this.node.address} ${req.command}: ${this.options.maxQueue} commands are already queued or in flight (maxQueue); the server is stalled or overloaded`,
          { server: this.node.address, command: req.command },
        ),
      );
      return;
    }
    if (this.probe !== undefined) this.probe.hold(req);
    else this.route(req);
  }

  /**
   * With `protocol: 'auto'` before the dialect is known: resolves once it is
   * (or the probe failed, or the pool closed), starting the probe if needed.
   * Undefined once the dialect is known.
   */
  protocolKnown(): Promise<void> | undefined {
    return this.probe?.known();
  }

  /** The probe's verdict: the dialect from now on. */
  private learned(verdict: ProtocolVerdict): Dialect {
    this.probe = undefined;
    this.dialect = dialectFor(verdict.protocol);
    return this.dialect;
  }

  /** Says once which protocol the server speaks: `protocol` event and diagnostics channel. */
  private announce(verdict: ProtocolVerdict): void {
    const message: ProtocolMessage = {
      server: this.node.address,
      protocol: verdict.protocol,
      reason: verdict.reason,
      version: verdict.version,
    };
    if (channels.protocol.hasSubscribers) channels.protocol.publish(message);
    this.emit('protocol', message);
  }

  /** Requests held for the protocol probe, queued or in flight on this server's pooled connections. */
  pending(): number {
    let n = this.probe?.size ?? 0;
    for (const c of this.conns) if (c) n += c.pending;
    return n;
  }

  /** Puts a request on a connection (also a request moved from a connection that died). */
  private route(req: Exchange): void {
    const conn = this.pick();
    if (conn) conn.send(req);
    else req.reject(this.backoffError());
  }

  /**
   * Sends `req` on a connection of its own, closed once it settles. For
   * commands memcached refuses to pipeline with others (`lru_crawler
   * metadump` answers ERROR when anything else shares its connection), and
   * for raw commands, whose replies are read as lines (`replyLines`).
   */
  sendAlone(req: Exchange): void {
    if (this.closed || this.ending) {
      req.reject(this.closedError());
      return;
    }
    const conn = new Connection(
      this.node,
      { ...this.connectionOptions(), replyLines: req.replyLines },
      {
        onReady: () => {},
        onSuccess: () => {},
        onClose: (c, err, unwritten) => {
          this.alone.delete(c);
          for (const r of unwritten) r.reject(err);
        },
      },
    );
    this.alone.add(conn);
    conn.send(req);
    const done = () => void conn.end();
    req.promise.then(done, done);
  }

  /** True while connect attempts are suspended after failures. */
  get inBackoff(): boolean {
    return this.retryAt > performance.now() && !this.conns.some((c) => c?.state === 'ready');
  }

  /** `connectionsPerServer`. */
  get maxConnections(): number {
    return this.conns.length;
  }

  /** Connections by state and requests not answered yet, for metrics (see `census.ts`). */
  census(): { states: ConnectionStates; pending: number } {
    const states: ConnectionStates = { connecting: 0, idle: 0, used: 0 };
    let pending = 0;
    for (const c of this.conns) {
      if (!c || c.state === 'closed') continue;
      pending += c.pending;
      if (c.state === 'connecting') states.connecting++;
      else if (c.pending > 0) states.used++;
      else states.idle++;
    }
    return { states, pending };
  }

  /** Closes every connection now; queued and in-flight requests fail with ERR_CLIENT_CLOSED. */
  close(): void {
    this.closed = true;
    const err = this.closedError();
    this.probe?.close(err);
    for (const c of this.conns) c?.destroy(err);
    this.conns.fill(undefined);
    for (const c of this.alone) c.destroy(err);
    this.alone.clear();
  }

  /**
   * Graceful close: refuses new requests, lets the queued and in-flight ones
   * (one-off connections included) finish, then each connection sends `quit`.
   * Resolves once every socket is closed. `close()` meanwhile cuts it short.
   */
  async end(): Promise<void> {
    this.ending = true;
    for (;;) {
      // A connection that dies meanwhile moves its unwritten requests to a new one: end that too.
      const live = [...this.conns, ...this.alone].filter((c) => c !== undefined && c.state !== 'closed');
      if (live.length === 0) break;
      await Promise.all(live.map((c) => c!.end()));
    }
    this.close();
  }

  /**
   * The server left the cluster: like `end()` (what was already sent here
   * completes, then each connection quits), and `retired` (address) is
   * emitted once every connection is closed. The cluster stops routing to
   * the server before it calls this, so no new request arrives here.
   */
  retire(): void {
    if (this.retiring || this.closed) return;
    this.retiring = true;
    void this.end().then(() => this.emit('retired', this.node.address));
  }

  /** Connections open or opening, one-off ones included. */
  get connectionCount(): number {
    return this.conns.filter((c) => c !== undefined && c.state !== 'closed').length + this.alone.size;
  }

  /** Forgets past failures so the next send connects at once (used by the dead-server probe). */
  resetBackoff(): void {
    this.failures = 0;
    this.retryAt = 0;
  }

  /** A write sent here failed: on an outage, `writeFailed` (pool, key) tells the cluster to invalidate the key here later. */
  writeFailed(key: WireKey, err: Error): void {
    if (isOutage(err)) this.emit('writeFailed', this, key);
  }

  /** Drops every connection (e.g. when the server is marked dead). */
  reset(err: MemkitError): void {
    for (const c of this.conns) c?.destroy(err);
  }

  private pick(): Connection | undefined {
    const n = this.conns.length;
    if (n === 1) {
      const c = this.conns[0];
      if (c?.usable) return c;
      return this.create(0);
    }
    // A connection with requests outstanding takes the new one too, so a caller's un-awaited
    // commands stay in order. Only an idle server rotates to its next connection.
    for (let i = 0; i < n; i++) {
      const c = this.conns[i];
      if (c?.usable && c.pending > 0) return c;
    }
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      let c = this.conns[i];
      if (!c?.usable) c = this.create(i);
      if (!c) continue;
      this.next = (i + 1) % n;
      return c;
    }
    return undefined;
  }

  private create(i: number): Connection | undefined {
    if (this.retryAt > performance.now()) return undefined;
    const conn = new Connection(this.node, this.connectionOptions(), this);
    this.conns[i] = conn;
    if (this.ending) void conn.end();
    return conn;
  }

  private connectionOptions(): ConnectionOptions {
    const o = this.options;
    return {
      connectTimeout: o.connectTimeout,
      keepAlive: o.keepAlive,
      tls: o.tls,
      auth: o.auth,
      maxValueLength: Math.max(o.maxValueSize * 2, 32 * 1024 * 1024),
      quitTimeout: o.timeout,
    };
  }

  onReady(conn: Connection): void {
    this.retryAt = 0;
    publishConnection('connect', this.node.address);
    this.emit('connect', this.node.address, conn);
  }

  onSuccess(): void {
    if (this.failures !== 0) {
      this.failures = 0;
      this.emit('recovered', this.node.address);
    }
  }

  onClose(conn: Connection, err: MemkitError, unwritten: Exchange[], reason: CloseReason): void {
    const failedConnect = reason === 'connect';
    const i = this.conns.indexOf(conn);
    if (i >= 0) this.conns[i] = undefined;
    publishConnection(failedConnect ? 'error' : 'close', this.node.address, err);
    if (this.closed) {
      for (const r of unwritten) r.reject(err);
      return;
    }
    if (this.ending) {
      // Closing gracefully: what was never written still gets its chance; nothing counts as a failure.
      for (const r of unwritten) this.route(r);
      this.emit('close', this.node.address, err);
      return;
    }
    // Every close we did not ask for (connect failure, timeout, reset by the
    // server, protocol error) counts towards marking the server dead.
    this.failures++;
    if (failedConnect) {
      this.lastError = err;
      const delay = Math.min(
        this.options.reconnectDelay * 2 ** Math.min(this.failures - 1, 16),
        this.options.reconnectMaxDelay,
      );
      // Auth failures will not fix themselves quickly: back off at the maximum.
      this.retryAt = performance.now() + (err.code === 'ERR_AUTH' ? this.options.reconnectMaxDelay : delay);
      for (const r of unwritten) r.reject(err);
    } else {
      // Never written, so safe to send on a fresh connection.
      for (const r of unwritten) this.route(r);
    }
    this.emit('close', this.node.address, err);
    this.emit('failure', this.node.address, err, this.failures);
  }

  private closedError(): MemkitError {
    const server = this.node.address;
    if (this.retiring)
      return new MemkitError('ERR_CONNECTION_CLOSED', `${server} left the cluster`, { server });
    return new MemkitError('ERR_CLIENT_CLOSED', `${server}: the client is closed`, { server });
  }

  private backoffError(): MemkitError {
    const last = this.lastError;
    return new MemkitError(
      last?.code === 'ERR_AUTH' || last?.code === 'ERR_TLS' ? last.code : 'ERR_CONNECT',
      `${this.node.address}: not connected (retrying after failures${last ? `: ${last.message}` : ''})`,
      { server: this.node.address, cause: last },
    );
  }
}
