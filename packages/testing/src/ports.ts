/**
 * Free-port discovery for test servers. The OS picks the port (listen on 0); the port is then
 * released for memcached to bind, so a race with another process is possible and callers retry
 * on EADDRINUSE.
 */
import { createServer } from 'node:net';

/** Ports handed out recently in this process, so parallel starts never get the same one. */
const recent = new Set<number>();
const RECENT_LIMIT = 256;

function listenOnce(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Returns a TCP port on `host` that was free a moment ago and has not been returned by this
 * function recently in this process.
 */
export async function getFreePort(host = '127.0.0.1'): Promise<number> {
  for (;;) {
    const port = await listenOnce(host);
    if (port === 0 || recent.has(port)) continue;
    recent.add(port);
    if (recent.size > RECENT_LIMIT) {
      const oldest = recent.values().next().value;
      if (oldest !== undefined) recent.delete(oldest);
    }
    return port;
  }
}
