/**
 * A TCP proxy that keeps every byte clients send through it, to check what
 * actually went on the wire (which dialect, which flags).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface RecordingProxy {
  readonly address: string;
  /** Everything clients sent so far (latin1). */
  sent(): string;
  close(): Promise<void>;
}

/** A TCP proxy to `target` that keeps every byte clients sent through it. */
export async function startRecordingProxy(target: { host: string; port: number }): Promise<RecordingProxy> {
  const sockets = new Set<Socket>();
  let sent = '';
  const server: Server = createServer((client) => {
    const upstream = createConnection(target.port, target.host);
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      sent += chunk.toString('latin1');
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    for (const s of [client, upstream]) {
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    address: `127.0.0.1:${port}`,
    /** Everything clients sent so far (latin1). */
    sent: () => sent,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
