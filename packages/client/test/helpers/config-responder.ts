/**
 * A small configuration endpoint of our own for discovery tests: answers
 * `config get cluster` (or, in legacy mode, `ERROR` to it and the item to
 * `get AmazonElastiCache:cluster`) with whatever the test sets, including
 * garbage, a wrong length, an empty list, or nothing at all (a slow
 * endpoint); it can also go down and come back on the same port.
 */
import { createServer, type Server, type Socket } from 'node:net';

/** What the endpoint answers. */
export type ResponderMode =
  /** A well-formed answer: `nodes` are `host|ip|port` entries. */
  | { kind: 'config'; version: number; nodes: string[] }
  /** ERROR to `config get`, the configuration as the `AmazonElastiCache:cluster` item. */
  | { kind: 'legacy'; version: number; nodes: string[] }
  /** These exact bytes in answer to `config get cluster`. */
  | { kind: 'raw'; bytes: string }
  /** Read requests, never answer. */
  | { kind: 'silent' };

export class ConfigResponder {
  mode: ResponderMode;
  /** Every command line received, in order. */
  readonly requests: string[] = [];
  private server: Server;
  private readonly sockets = new Set<Socket>();
  private down = false;

  private constructor(mode: ResponderMode) {
    this.mode = mode;
    this.server = this.create();
  }

  /** Starts listening on a free port of 127.0.0.1. */
  static async start(mode: ResponderMode): Promise<ConfigResponder> {
    const r = new ConfigResponder(mode);
    await r.listen(0);
    return r;
  }

  port = 0;

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** How many `config get cluster` / legacy gets arrived. */
  get polls(): number {
    return this.requests.filter((l) => l.startsWith('config get') || l.startsWith('get ')).length;
  }

  /** Stops listening and drops every connection: the endpoint is down. */
  async stop(): Promise<void> {
    this.down = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** Listens again on the same port. */
  async restart(): Promise<void> {
    this.down = false;
    this.server = this.create();
    await this.listen(this.port);
  }

  private create(): Server {
    return createServer((socket) => {
      if (this.down) {
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => {});
      let buffer = '';
      socket.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('latin1');
        for (let i = buffer.indexOf('\r\n'); i >= 0; i = buffer.indexOf('\r\n')) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          this.requests.push(line);
          const reply = this.answer(line);
          if (reply !== undefined) socket.write(Buffer.from(reply, 'latin1'));
        }
      });
    });
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        if (addr && typeof addr === 'object') this.port = addr.port;
        resolve();
      });
    });
  }

  private answer(line: string): string | undefined {
    const m = this.mode;
    if (line === 'version') return 'VERSION 1.6.6\r\n';
    if (m.kind === 'silent') return undefined;
    if (line === 'config get cluster') {
      if (m.kind === 'raw') return m.bytes;
      if (m.kind === 'legacy') return 'ERROR\r\n';
      const block = `${m.version}\n${m.nodes.join(' ')}\n`;
      return `CONFIG cluster 0 ${block.length}\r\n${block}\r\nEND\r\n`;
    }
    if (line === 'get AmazonElastiCache:cluster' && m.kind === 'legacy') {
      const block = `${m.version}\n${m.nodes.join(' ')}\n`;
      return `VALUE AmazonElastiCache:cluster 0 ${block.length}\r\n${block}\r\nEND\r\n`;
    }
    return 'ERROR\r\n';
  }
}

/** `host|ip|port` for a local server: named `localhost`, reached at 127.0.0.1. */
export function entry(port: number, host = 'localhost'): string {
  return `${host}|127.0.0.1|${port}`;
}
