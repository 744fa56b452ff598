/**
 * Starts a throw-away memcached on a free loopback port for integration
 * tests, and stops exactly that process (by its pid) afterwards.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

export interface MemcachedServer {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once the server answers `version`, or rejects after `timeoutMs`. */
async function waitForVersion(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`memcached exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, HOST);
      let data = '';
      const done = (v: boolean): void => {
        sock.destroy();
        resolve(v);
      };
      sock.setTimeout(500, () => done(false));
      sock.once('error', () => done(false));
      sock.on('data', (d) => {
        data += d.toString('latin1');
        if (data.includes('\r\n')) done(data.startsWith('VERSION '));
      });
      sock.once('connect', () => sock.write('version\r\n'));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`memcached on port ${port} did not answer within ${timeoutMs} ms`);
}

/** Spawns `memcached -u root -l 127.0.0.1 -p <free port> -U 0` and waits until it serves. */
export async function startMemcached(extraArgs: string[] = []): Promise<MemcachedServer> {
  const bin = process.env.MEMCACHED_BIN ?? '/usr/bin/memcached';
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(bin, ['-u', 'root', '-l', HOST, '-p', String(port), '-U', '0', ...extraArgs], {
      stdio: 'ignore',
    });
    const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
    try {
      await Promise.race([waitForVersion(port, child, 5000), spawnError]);
    } catch (err) {
      lastError = err;
      if (child.exitCode === null) child.kill('SIGKILL');
      continue;
    }
    const pid = child.pid!;
    return {
      host: HOST,
      port,
      pid,
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          process.kill(pid, 'SIGTERM');
        }),
    };
  }
  throw new Error(`could not start memcached (${bin}): ${String(lastError)}`);
}
