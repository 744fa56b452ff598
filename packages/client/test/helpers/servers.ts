/**
 * Server set-ups several files share: a fresh cluster per test (thawed and
 * stopped after it, whatever the test did to it), and one live memcached
 * beside an address nobody listens on (a server that is down).
 */
import {
  getFreePort,
  type MemcachedInstance,
  startMemcached,
  startMemcachedCluster,
  stopAll,
} from '@memkit/testing';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

/**
 * `n` memcached servers started before each test. The array is filled in
 * place, so `servers[1]` is the current test's second server.
 */
export function useClusterPerTest(n: number): MemcachedInstance[] {
  const servers: MemcachedInstance[] = [];
  beforeEach(async () => {
    servers.splice(0, servers.length, ...(await startMemcachedCluster(n)));
  });
  afterEach(async () => {
    // A test may leave one frozen (SIGSTOP): it must resume to stop.
    for (const s of servers) if (s.running) s.kill('SIGCONT');
    await stopAll(servers);
  });
  return servers;
}

export interface LiveAndDown {
  /** A real memcached. */
  live: MemcachedInstance;
  /** `host:port` where nothing listens: connects are refused. */
  down: string;
}

/** One live memcached and one down address for the whole file (set once `beforeAll` ran). */
export function useLiveAndDown(): LiveAndDown {
  const f = {} as LiveAndDown;
  beforeAll(async () => {
    f.live = await startMemcached();
    f.down = `127.0.0.1:${await getFreePort()}`;
  });
  afterAll(() => f.live?.stop());
  return f;
}
