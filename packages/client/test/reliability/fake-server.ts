/**
 * A scripted TCP "server" for the cases a real memcached never produces on its own: stale or
 * forged replies, replies larger than the decoder limit. The test's `respond` sees everything
 * a connection has received so far and writes whatever bytes it wants.
 */
import { createServer, type Server, type Socket } from 'node:net';

/** A running fake server. */
export interface FakeServer {
  readonly address: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections open now. */
  readonly open: number;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 (free port). `respond(socket, received)` runs after each chunk with all
 * bytes received on that connection (latin1); it returns how many leading bytes it consumed.
 */
export async function startFakeServer(
  respond: (socket: Socket, received: string) => number,
): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    let received = '';
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const used = respond(socket, received);
      received = received.slice(used);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    address: `127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    get open() {
      return sockets.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
