/**
 * A transparent TCP proxy that records every byte clients send to the server,
 * so a test can check what actually reached memcached (e.g. that no key
 * smuggled a CR, LF or space into a command line) instead of trusting the
 * client under test.
 */
import { createConnection, createServer, type Socket } from 'node:net';

/** Options of {@link startRecordingProxy}. */
export interface RecordingProxyOptions {
  /** The real server to forward to. */
  target: { host: string; port: number };
}

/** A running recording proxy. */
export interface RecordingProxy {
  /** Always `'127.0.0.1'`. */
  readonly host: string;
  readonly port: number;
  /** `'127.0.0.1:port'`. */
  readonly address: string;
  /** Everything clients sent, per connection in the order connections were accepted. */
  sent(): Buffer[];
  /** Forgets what was recorded so far. */
  clear(): void;
  /** Stops listening and destroys every connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a proxy on 127.0.0.1 that forwards both directions unchanged and
 * records the client-to-server bytes.
 *
 * @example
 * const proxy = await startRecordingProxy({ target: memcached });
 * const client = new Client({ servers: [proxy.address] });
 * await client.set('k', 'v');
 * const bytes = Buffer.concat(proxy.sent()); // 'ms k 1 …'
 */
export async function startRecordingProxy(options: RecordingProxyOptions): Promise<RecordingProxy> {
  const sockets = new Set<Socket>();
  const streams: Buffer[][] = [];
  const server = createServer((client) => {
    const chunks: Buffer[] = [];
    streams.push(chunks);
    const upstream = createConnection(options.target.port, options.target.host);
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      chunks.push(Buffer.from(chunk));
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  let closed: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    sent: () => streams.map((chunks) => Buffer.concat(chunks)),
    clear: () => {
      for (const chunks of streams) chunks.length = 0;
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
