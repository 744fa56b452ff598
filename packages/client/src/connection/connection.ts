/**
 * One socket to one server, with pipelining. Requests are queued in an
 * outbox, written in batches (one write per tick), then wait in FIFO order
 * for their replies. Safety rules, because a reply matched to the wrong
 * request would hand one caller another caller's value:
 * - a reply goes to the oldest unfinished written request, which checks it
 *   (opaque tokens, expected reply words); anything unexplained destroys the
 *   connection;
 * - a deadline or abort before writing just removes the request; a deadline
 *   after writing destroys the connection (the server may be stuck, and the
 *   reply may still come); an abort after writing leaves the request in
 *   place to swallow its reply;
 * - when a connection dies, written requests fail, unwritten ones go back to
 *   the owner to be sent elsewhere.
 * One timer per connection serves every deadline (no per-request timers).
 * Writes wait while the socket's buffer is full (see `Outbox`); over TLS each
 * write also waits for the one before (see tls-records.ts). Reads go into
 * buffers the connection hands the socket (see receive.ts). `end()` is the
 * graceful close: what is queued and in flight finishes, then `quit`.
 */
import type net from 'node:net';
import {
  encodeVersion,
  LineDecoder,
  MemkitError,
  type Reply,
  ReplyDecoder,
  type ValueView,
} from '@memkit/protocol';
import type { ServerNode } from '../cluster/locator';
import { watchAbort } from '../exchanges/abort-watch';
import { AuthExchange, VersionExchange } from '../exchanges/admin';
import type { Exchange } from '../exchanges/exchange';
import { deliverReply } from '../exchanges/reply-route';
import type { AuthOptions } from '../options';
import { ChunkWriter } from './chunk-writer';
import { DeadlineTimer } from './deadline-timer';
import { abortError, timeoutError } from './exchange-errors';
import { InFlight } from './in-flight';
import { Outbox } from './outbox';
import { type BlockSource, ReceiveBuffers } from './receive';
import { type OpenOptions, openSocket, readsInPlace } from './socket';

export interface ConnectionOptions extends OpenOptions {
  auth: AuthOptions | undefined;
  /** Largest data block accepted from the server. */
  maxValueLength: number;
  /** How long `end()` waits for the server to close after `quit`, in ms. */
  quitTimeout: number;
  /** After the handshake, read replies as plain lines (`LineDecoder`): a raw command's one-off connection. */
  replyLines?: boolean;
}

/** What a connection tells its owner. */
export interface ConnectionOwner {
  /** The connection is ready for traffic. */
  onReady(conn: Connection): void;
  /** A request completed with a reply: the server is healthy. */
  onSuccess(conn: Connection): void;
  /** The connection died; `unwritten` were never sent and may be sent elsewhere. */
  onClose(conn: Connection, err: MemkitError, unwritten: Exchange[], reason: CloseReason): void;
}

/** `ending`: `quit` was sent, waiting for the server to close; takes no more requests. */
type State = 'connecting' | 'ready' | 'ending' | 'closed';

/** Why a connection closed: a failed connect, a command timeout, or anything else. */
export type CloseReason = 'connect' | 'timeout' | 'other';

export class Connection {
  state: State = 'connecting';
  private socket: net.Socket | undefined;
  private decoder: Pick<ReplyDecoder, 'feed'>;
  /** Written requests awaiting replies. */
  private readonly inflight = new InFlight();
  /** Requests not yet written. */
  private readonly outbox = new Outbox();
  private flushScheduled = false;
  /** Set by `end()`: quit once nothing is queued or in flight. */
  private endRequested = false;
  /** Resolves once the socket is gone (see `closed`). */
  private closedPromise: Promise<void> | undefined;
  private markClosed: (() => void) | undefined;
  private socketOpen = false;
  /** The earliest deadline of what is queued or in flight; after `quit`, the wait for the server to close. */
  private readonly deadlines = new DeadlineTimer(() => this.expire());
  /** Aborted by `destroy()`, so a connect or TLS handshake still pending is dropped at once. */
  private readonly opening = new AbortController();
  /** Where the socket reads (when the runtime reads into buffers we give it: `readsInPlace`). */
  private readonly receive = new ReceiveBuffers();
  /** A TLS write is being handed to TLS; the next one waits for it (see `Outbox.writeTls`). */
  private tlsWriting = false;

  constructor(
    readonly node: ServerNode,
    private readonly options: ConnectionOptions,
    private readonly owner: ConnectionOwner,
  ) {
    this.decoder = new ReplyDecoder({ maxValueLength: options.maxValueLength });
    void this.open();
  }

  /** Requests queued or awaiting replies (an aborted request still awaiting its reply counts). */
  get pending(): number {
    return this.inflight.size + this.outbox.size;
  }

  /** True while the connection takes new requests. */
  get usable(): boolean {
    return this.state === 'connecting' || this.state === 'ready';
  }

  /** Queues a request; it is written with the next batch once connected. */
  send(req: Exchange): void {
    if (!this.usable) {
      req.reject(this.closedError());
      return;
    }
    if (req.signal) {
      if (req.signal.aborted) {
        req.reject(abortError(this.node, req));
        return;
      }
      // A request moved here from a dead connection still has that connection's watcher.
      req.detachSignal();
      req.onAbort = () => this.abort(req);
      watchAbort(req.signal, req.onAbort);
    }
    this.outbox.push(req);
    this.deadlines.arm(req.deadline);
    if (this.state === 'ready') this.scheduleFlush();
  }

  /** Destroys the socket; every written request fails with `err`. */
  destroy(err: MemkitError, reason: CloseReason = 'other'): void {
    if (this.state === 'closed') {
      // A graceful end may still hold its socket: destroying means now.
      this.socket?.destroy();
      return;
    }
    this.state = 'closed';
    this.opening.abort();
    this.deadlines.clear();
    this.socket?.destroy();
    if (!this.socketOpen) this.markClosed?.();
    this.inflight.rejectAll(err);
    this.owner.onClose(this, err, this.outbox.drain(), reason);
  }

  /**
   * Graceful close: takes no new requests once `quit` is sent; lets what is
   * queued and in flight finish, sends `quit`, and resolves once the socket
   * is closed (by the server, or after `quitTimeout`). Anything that destroys
   * the connection meanwhile (a timeout, `destroy()`) also resolves it.
   */
  end(): Promise<void> {
    this.closedPromise ??= new Promise((resolve) => {
      this.markClosed = resolve;
    });
    if (this.state === 'closed' && !this.socketOpen) this.markClosed?.();
    this.endRequested = true;
    this.quitWhenIdle();
    return this.closedPromise;
  }

  /** After `end()`: sends `quit` once nothing is queued or in flight. */
  private quitWhenIdle(): void {
    if (!this.endRequested || this.pending > 0) return;
    if (this.state === 'connecting') {
      // Nothing to finish: no need to wait for the connect.
      this.destroy(this.closedError());
      return;
    }
    if (this.state !== 'ready' || !this.socket) return;
    this.state = 'ending';
    this.socket.end('quit\r\n');
    // A server that never closes (stopped, unreachable) must not hold the close forever.
    this.deadlines.hold(() => this.destroy(this.closedError()), this.options.quitTimeout);
  }

  private async open(): Promise<void> {
    let socket: net.Socket;
    try {
      const onread = readsInPlace ? { buffer: this.nextBuffer, callback: this.onRead } : undefined;
      socket = await openSocket(this.node, this.options, this.opening.signal, onread);
      if (this.isClosed()) {
        socket.destroy();
        return;
      }
      this.socket = socket;
      this.socketOpen = true;
      if (!onread) socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('error', (err) => this.lost(err));
      socket.on('close', () => {
        this.socketOpen = false;
        this.lost(undefined);
        this.markClosed?.();
      });
      socket.on('drain', () => this.scheduleFlush());
      if (this.options.auth) await this.authenticate(this.options.auth);
      if (this.isClosed()) return;
    } catch (err) {
      const e =
        err instanceof MemkitError
          ? err
          : this.wrap('ERR_CONNECT', `${this.node.address}: ${String(err)}`, err);
      this.destroy(e, 'connect');
      return;
    }
    if (this.options.replyLines) this.decoder = new LineDecoder();
    this.state = 'ready';
    this.owner.onReady(this);
    this.scheduleFlush();
    this.quitWhenIdle();
  }

  /**
   * The socket failed or closed. Before `ready` (during the auth handshake) that is a failed
   * connect, so the pool backs off and fails queued requests fast, instead of moving them to a
   * new connection at once, which the server may drop again: a reconnect storm.
   */
  private lost(err: Error | undefined): void {
    if (this.state === 'closed') return;
    if (this.state === 'connecting') {
      const why = err ? `: ${err.message}` : '';
      this.destroy(
        this.wrap('ERR_CONNECT', `${this.node.address}: connection lost during the handshake${why}`, err),
        'connect',
      );
    } else if (err) this.destroy(this.wrap('ERR_CONNECTION_CLOSED', err.message, err));
    else this.destroy(this.closedError());
  }

  /** Re-reads the state (TypeScript narrows `state` across awaits). */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  /**
   * ASCII auth. memcached's scheme probes with `version` first: a server that
   * answers it needs no auth, and must not receive the credentials (it would
   * store them as an item). MemCachier's must be the first command, so it
   * goes out at once.
   */
  private async authenticate(auth: AuthOptions): Promise<void> {
    if (auth.mode === 'memcachier') {
      await this.handshake(new AuthExchange(auth));
      return;
    }
    const probe = this.handshake(new VersionExchange(encodeVersion()));
    if ((await probe.catch(() => false)) !== false) return;
    if (this.isClosed()) throw this.closedError();
    await this.handshake(new AuthExchange(auth));
  }

  private handshake<T>(req: Exchange<T>): Promise<T> {
    req.deadline = performance.now() + this.options.connectTimeout;
    this.deadlines.arm(req.deadline);
    req.written = true;
    this.inflight.push(req);
    const out = new ChunkWriter().start(this.socket!);
    for (const chunk of req.chunks) out.put(chunk);
    out.end();
    return req.promise;
  }

  // Node's `onread`: where the next read goes, and what it read.
  private readonly nextBuffer = (): Buffer => this.receive.next(this.decoder as BlockSource);
  private readonly onRead = (n: number, buf: Uint8Array): boolean => {
    this.onData(this.receive.received(n, buf));
    return true;
  };

  private onData(chunk: Buffer): void {
    try {
      this.decoder.feed(chunk, this.onReply, this.onValue);
    } catch (err) {
      this.destroy(
        err instanceof MemkitError
          ? err
          : this.wrap('ERR_PROTOCOL', `${this.node.address}: ${String(err)}`, err),
      );
    }
  }

  private readonly onReply = (reply: Reply): void => {
    // A request that settled early (aborted) still owns its replies; it ignores them.
    if (deliverReply(this.headExchange(reply.type), reply, this.node.address)) this.finishHead();
  };

  /** A text VALUE reply in place (the multi-get fast path); see `Exchange.onValue`. */
  private readonly onValue = (view: ValueView): void => {
    if (this.headExchange('VALUE').onValue(view, this.node.address)) this.finishHead();
  };

  /** The exchange the next reply belongs to; a reply with none is a protocol error. */
  private headExchange(type: string): Exchange {
    const req = this.inflight.first();
    if (req === undefined)
      throw this.wrap('ERR_PROTOCOL', `${this.node.address}: unsolicited reply ${type}`, undefined);
    return req;
  }

  /** The head request got its last reply: move on to the next. */
  private finishHead(): void {
    if (this.inflight.shift() && this.endRequested) this.quitWhenIdle();
    this.owner.onSuccess(this);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || !this.outbox.hasWork) return;
    this.flushScheduled = true;
    // Idle connection: write at the end of this microtask burst (low latency).
    // Busy connection: wait for the next loop turn so many callers share one write.
    if (this.inflight.size === 0) queueMicrotask(this.flush);
    else setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const socket = this.socket;
    // While the socket's buffer is full, 'drain' calls back here; after a TLS write, `tlsWritten`.
    if (this.state !== 'ready' || !socket || socket.writableNeedDrain || this.tlsWriting) return;
    let more = false;
    if (!this.options.tls) more = this.outbox.write(socket, this.onWritten);
    else if (this.outbox.hasWork) {
      this.tlsWriting = true;
      more = this.outbox.writeTls(socket, this.onWritten, this.tlsWritten);
    }
    // The kernel may have taken it all at once (no 'drain' then): go on next turn.
    if (more && !this.options.tls && !socket.writableNeedDrain) this.scheduleFlush();
    if (this.endRequested) this.quitWhenIdle();
  };

  private readonly onWritten = (req: Exchange): void => {
    this.inflight.push(req);
  };

  private readonly tlsWritten = (): void => {
    this.tlsWriting = false;
    if (this.outbox.hasWork) this.flush();
  };

  /**
   * Abort: the caller gets ERR_ABORTED at once. A written request keeps its
   * slot in the FIFO and silently consumes its reply when it comes, so the
   * reply can still never reach another caller, and one abort does not cost
   * every other request pipelined on this socket. (Timeouts are different:
   * a server that stopped answering gets its connection destroyed.)
   */
  private abort(req: Exchange): void {
    if (req.settled) return;
    req.reject(abortError(this.node, req));
    if (!req.written) {
      this.outbox.noteSettled();
      if (this.endRequested) this.quitWhenIdle();
    }
  }

  /** Times out what passed its deadline (see `deadlines`). */
  private expire(): void {
    if (this.state === 'closed') return;
    const now = performance.now();
    // Unwritten requests simply leave the queue.
    const expire = (req: Exchange) => req.reject(timeoutError(this.node, req));
    const { expired, next } = this.inflight.sweep(now, this.outbox.sweep(now, expire), expire);
    if (expired) {
      // Its reply may still arrive: this socket can never be trusted again.
      this.destroy(
        this.wrap(
          'ERR_CONNECTION_CLOSED',
          `${this.node.address}: connection dropped after ${expired.command} timed out`,
          undefined,
        ),
        'timeout',
      );
      return;
    }
    // Each firing scans every pending request: with many pending, fire less often (at most
    // ~10,000 requests scanned per ms, so a stalled server's full queue cannot starve the loop).
    this.deadlines.arm(Math.max(next, now + Math.min(this.pending / 10_000, 50)));
    if (this.endRequested) this.quitWhenIdle();
  }

  private closedError(): MemkitError {
    return this.wrap('ERR_CONNECTION_CLOSED', `${this.node.address}: connection closed`, undefined);
  }

  private wrap(code: MemkitError['code'], message: string, cause: unknown): MemkitError {
    return new MemkitError(code, message, { cause, server: this.node.address });
  }
}
