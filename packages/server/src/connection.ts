/**
 * One client connection: feeds socket chunks to a `RequestDecoder`, runs
 * each request, and writes all replies to one chunk in a single write.
 * Protocol violations close only this connection; a handler that throws is
 * logged and closes only this connection too, so garbage from one client
 * never disturbs the others or the process.
 */
import type { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { isMemkitError, type Request, RequestDecoder } from '@memkit/protocol';
import { authenticate } from './auth';
import type { ConnectionView, Context, ServerState } from './context';
import { dispatch } from './dispatch';
import { ReplyBatch } from './reply';

/** Stop reading from a client that does not read its replies once this much is buffered. */
const WRITE_HIGH_WATER = 4 * 1024 * 1024;
/** The first byte of a binary-protocol request. */
const BINARY_MAGIC = 0x80;

/** Formats a socket address, bracketing IPv6. */
export function formatAddress(host: string | undefined, port: number | undefined): string {
  const h = host ?? '?';
  return `${h.includes(':') ? `[${h}]` : h}:${port ?? 0}`;
}

/** A client connection and its protocol state. */
export class Connection implements ConnectionView {
  readonly id: number;
  readonly remote: string;
  readonly local: string;
  lastCommandAt: number;
  readonly #socket: Socket;
  readonly #state: ServerState;
  readonly #decoder: RequestDecoder;
  readonly #out = new ReplyBatch();
  readonly #ctx: Context;
  #closing = false;
  #sawData = false;
  #authenticated: boolean;

  constructor(socket: Socket, state: ServerState, id: number) {
    this.id = id;
    this.#socket = socket;
    this.#state = state;
    this.remote = formatAddress(socket.remoteAddress, socket.remotePort);
    this.local = formatAddress(socket.localAddress, socket.localPort);
    this.lastCommandAt = state.clock.now();
    this.#decoder = new RequestDecoder({
      maxValueLength: state.settings.maxItemSize,
      meta: state.settings.meta,
    });
    this.#ctx = { ...state, out: this.#out, conn: this };
    this.#authenticated = state.auth === undefined;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => socket.resume());
    // Resets and the like only concern this client; 'close' does the bookkeeping.
    socket.on('error', (err) => state.log(1, `<${id} connection error: ${err.message}`));
  }

  /** Closes the connection at once. */
  destroy(): void {
    this.#closing = true;
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    if (this.#closing) return;
    const { counters, clock } = this.#state;
    counters.bytesRead += chunk.length;
    this.lastCommandAt = clock.now();
    if (!this.#sawData) {
      this.#sawData = true;
      if (chunk[0] === BINARY_MAGIC) {
        this.#state.log(1, `<${this.id} binary protocol is not supported; closing`);
        this.destroy();
        return;
      }
    }
    try {
      this.#decoder.feed(chunk, (req) => {
        if (this.#closing) return;
        if (this.#state.settings.verbosity > 1) this.#state.log(2, `<${this.id} ${req.type}`);
        if (!this.#authenticated) this.#authenticate(req);
        else if (dispatch(this.#ctx, req) === 'quit') this.#closing = true;
      });
    } catch (err) {
      // A runaway line (memcached closes these too) or a handler bug: drop this client only.
      const what = isMemkitError(err, 'ERR_PROTOCOL') ? err.message : `internal error: ${String(err)}`;
      this.#state.log(1, `<${this.id} closing: ${what}`);
      this.destroy();
      return;
    }
    this.#flush();
    if (this.#closing) this.#socket.end();
  }

  /** A request before authentication: it may only be the credentials. */
  #authenticate(req: Request): void {
    const auth = this.#state.auth!;
    const counters = this.#state.counters;
    const isSet = req.type === 'storage' && req.command === 'set';
    if (isSet) counters.authCmds++;
    const step = authenticate(auth, req, this.#out);
    if (step === 'authenticated') {
      this.#authenticated = true;
      return;
    }
    if (isSet) counters.authErrors++;
    if (step === 'close') {
      this.#state.log(1, `<${this.id} authentication failed (${auth.mode}); closing`);
      this.#closing = true;
    }
  }

  #flush(): void {
    const parts = this.#out.take();
    if (parts.length === 0) return;
    const socket = this.#socket;
    let bytes = 0;
    if (parts.length === 1) {
      bytes = parts[0]!.length;
      socket.write(parts[0]!);
    } else {
      socket.cork();
      for (const part of parts) {
        bytes += part.length;
        socket.write(part);
      }
      socket.uncork();
    }
    this.#state.counters.bytesWritten += bytes;
    if (socket.writableLength > WRITE_HIGH_WATER) socket.pause();
  }
}
