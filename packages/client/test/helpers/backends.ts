/**
 * The servers the client's integration suite runs against: a real memcached
 * and the embedded @memkit/server, so both are held to the same behaviour.
 */
import { startServer } from '@memkit/server';
import {
  type MemcachedInstance,
  rawCommand,
  type StartMemcachedOptions,
  startMemcached,
  waitServerSeconds,
} from '@memkit/testing';

export interface Backend {
  address: string;
  host: string;
  port: number;
  stop(): Promise<void>;
  instance?: MemcachedInstance;
  /** The embedded server's: moves its clock forward at once (see `passServerTime`). */
  advanceClock?: (seconds: number) => void;
}

export async function startReal(options: StartMemcachedOptions = {}): Promise<Backend> {
  const instance = await startMemcached(options);
  return {
    address: instance.address,
    host: instance.host,
    port: instance.port,
    stop: () => instance.stop(),
    instance,
  };
}

/** An in-process @memkit/server on a free port. */
export async function startEmbedded(): Promise<Backend> {
  const server = await startServer({ port: 0, host: '127.0.0.1' });
  return {
    address: server.address,
    host: server.host,
    port: server.port,
    stop: () => server.close(),
    advanceClock: (seconds) => server.advanceClock(seconds),
  };
}

/**
 * Lets `seconds` of server time pass, for expiry tests. The embedded server's
 * clock is moved at once; real memcached keeps real time, so this waits until
 * its own clock (the `time` stat, which its expiry reads) has moved that far:
 * no guessed sleep and no margin of milliseconds against its once-a-second tick.
 */
export async function passServerTime(backend: Backend, seconds: number): Promise<void> {
  if (backend.advanceClock) {
    backend.advanceClock(seconds);
    return;
  }
  await waitServerSeconds(backend, seconds);
}

/** Both backends, for `describe.each`. */
export const BACKENDS = [
  { name: 'memcached', start: () => startReal() },
  { name: '@memkit/server', start: () => startEmbedded() },
] as const;

/** Every backend in both protocols, for `describe.each(...)('… over $name')`. */
export const BACKEND_PROTOCOLS = BACKENDS.flatMap((backend) =>
  (['meta', 'text'] as const).map((protocol) => ({
    backend,
    protocol,
    name: `${protocol} / ${backend.name}`,
  })),
);

/** SIGSTOPs a memcached and waits until the kernel reports it stopped (signals are asynchronous). */
export async function freeze(instance: MemcachedInstance): Promise<void> {
  instance.kill('SIGSTOP');
  const { readFile } = await import('node:fs/promises');
  for (let i = 0; i < 200; i++) {
    const stat = await readFile(`/proc/${instance.pid}/stat`, 'utf8').catch(() => '');
    // Field 3, after the parenthesised command name: T = stopped.
    if (/\) T /.test(stat)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`memcached ${instance.pid} did not stop`);
}

/**
 * Puts memcacheds an earlier test froze or killed back to a clean start: running again (the same
 * port), resumed, and empty.
 */
export async function resetServers(servers: readonly MemcachedInstance[]): Promise<void> {
  for (const s of servers) {
    s.kill('SIGCONT');
    if (!s.running) await s.restart();
    await rawCommand(s, 'flush_all\r\n');
  }
}
