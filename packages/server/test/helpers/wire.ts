/**
 * A raw-socket conversation helper for tests: send bytes, then read until a
 * sentinel reply, a terminator, the connection closing, or an idle timeout.
 * Works the same against memkit-server and a real memcached, which is what
 * the differential test needs.
 */
import { Buffer } from 'node:buffer';
import { connect, type Socket } from 'node:net';

/** A meta no-op that cannot be mistaken for a test's own reply. */
export const SENTINEL = 'mg __sentinel__ Oendmark\r\n';
const SENTINEL_REPLY = 'EN Oendmark\r\n';

/** How to know a reply is complete. */
export type Until = 'sentinel' | 'close' | { suffix: string } | { idleMs: number };

/** One raw connection. Replies are latin1 strings (one char per byte). */
export class Wire {
  readonly #socket: Socket;
  #buffer = '';
  #closed = false;
  #waiter: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer += chunk.toString('latin1');
      this.#waiter?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#waiter?.();
    });
    socket.on('error', () => {});
  }

  /** Connects to `port` on localhost. */
  static open(port: number, host = '127.0.0.1'): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      socket.once('connect', () => resolve(new Wire(socket)));
      socket.once('error', reject);
    });
  }

  /** Whether the server closed the connection. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Writes raw bytes. */
  write(data: string | Buffer): void {
    this.#socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Sends `data` and returns the reply, read until `until` (default: a sentinel command sent after it). */
  async send(data: string | Buffer, until: Until = 'sentinel', timeoutMs = 3000): Promise<string> {
    this.#buffer = '';
    this.write(data);
    if (until === 'sentinel') this.write(SENTINEL);
    const done = (): boolean => {
      if (this.#closed) return true;
      if (until === 'sentinel') return this.#buffer.endsWith(SENTINEL_REPLY);
      if (typeof until === 'object' && 'suffix' in until) return this.#buffer.endsWith(until.suffix);
      return false;
    };
    const idleMs = typeof until === 'object' && 'idleMs' in until ? until.idleMs : undefined;
    await new Promise<void>((resolve) => {
      let idle: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(deadline);
        clearTimeout(idle);
        this.#waiter = undefined;
        resolve();
      };
      const deadline = setTimeout(finish, timeoutMs);
      const check = (): void => {
        if (done()) {
          finish();
          return;
        }
        if (idleMs !== undefined) {
          clearTimeout(idle);
          idle = setTimeout(finish, idleMs);
        }
      };
      this.#waiter = check;
      check();
    });
    let reply = this.#buffer;
    if (until === 'sentinel' && reply.endsWith(SENTINEL_REPLY))
      reply = reply.slice(0, -SENTINEL_REPLY.length);
    else if (until === 'sentinel') reply += this.#closed ? '<closed>' : '<timeout>';
    return reply;
  }

  /** Closes the connection. */
  close(): void {
    this.#socket.destroy();
  }
}

/** Sends one request on a fresh connection and returns the reply. */
export async function exchange(
  port: number,
  data: string | Buffer,
  until: Until = 'sentinel',
): Promise<string> {
  const wire = await Wire.open(port);
  try {
    return await wire.send(data, until);
  } finally {
    wire.close();
  }
}
