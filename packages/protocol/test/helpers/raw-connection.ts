/**
 * A bare `net.Socket` to memcached that writes encoder output as is and
 * decodes what comes back with `ReplyDecoder`: the integration tests check
 * the codec against the real server with nothing in between.
 */
import net from 'node:net';
import { ReplyDecoder } from '../../src/decoder';
import type { Chunk } from '../../src/encode-text';
import type { Reply } from '../../src/replies';

export class RawConnection {
  private readonly decoder = new ReplyDecoder();
  private replies: Reply[] = [];
  private failure: unknown = null;
  private wake: (() => void) | null = null;
  /** Resolves when the server closes the connection. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: net.Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk) => {
      try {
        this.decoder.feed(chunk, (r) => this.replies.push(r));
      } catch (err) {
        this.failure = err;
      }
      this.wake?.();
    });
    socket.on('error', (err) => {
      this.failure = err;
      this.wake?.();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
    });
  }

  /** Writes a command (or several) in one go. */
  send(...commands: Array<Chunk | Chunk[]>): void {
    this.socket.cork();
    for (const c of commands.flat()) this.socket.write(c);
    this.socket.uncork();
  }

  /** Waits until `done(replies)` holds, then returns (and forgets) the replies received so far. */
  async until(done: (replies: Reply[]) => boolean, timeoutMs = 3000): Promise<Reply[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.replies)) {
      if (this.failure !== null) throw this.failure;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; replies so far: ${JSON.stringify(this.replies, jsonSafe)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
    const out = this.replies;
    this.replies = [];
    return out;
  }

  /** Sends and waits for `count` replies. */
  async request(commands: Chunk | Chunk[], count = 1): Promise<Reply[]> {
    this.send(commands);
    return this.until((r) => r.length >= count);
  }

  /** Sends and waits for the reply list to end with `type` (END, MN…). */
  async requestUntil(commands: Chunk | Chunk[], type: Reply['type']): Promise<Reply[]> {
    this.send(commands);
    return this.until((r) => r.length > 0 && r[r.length - 1]!.type === type);
  }

  /** Replies that arrived and were not collected yet. */
  get pending(): Reply[] {
    return this.replies;
  }

  close(): void {
    this.socket.destroy();
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
    return Buffer.from((value as { data: number[] }).data).toString('latin1');
  }
  return value;
}
