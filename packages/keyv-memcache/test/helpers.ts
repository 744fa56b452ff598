/**
 * Shared setup of the integration tests: one real memcached per test file
 * (from @memkit/testing), a client on it, and command counting through the
 * client's diagnostics channel.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Client } from '@memkit/client';
import { type MemcachedInstance, rawStats, startMemcached } from '@memkit/testing';
import { Keyv as Keyv6 } from 'keyv';
import Keyv5 from 'keyv5';

/** Both Keyv majors, for `describe.each` (Keyv 5 typed as Keyv 6: the tests use their common API). */
export const KEYV_VERSIONS = [
  { name: 'Keyv 5', Keyv: Keyv5 as unknown as typeof Keyv6, version: 5 },
  { name: 'Keyv 6', Keyv: Keyv6, version: 6 },
] as const;

export interface Backend {
  memcached: MemcachedInstance;
  client: Client;
  stop(): Promise<void>;
}

export async function startBackend(): Promise<Backend> {
  const memcached = await startMemcached();
  const client = new Client({ servers: [memcached.address] });
  return {
    memcached,
    client,
    stop: async () => {
      await client.close();
      await memcached.stop();
    },
  };
}

/** Runs `fn` and returns the client commands it started (from `memkit:command:start`). */
export async function countCommands(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const onStart = (message: unknown) => {
    seen.push((message as { command: string }).command);
  };
  subscribe('memkit:command:start', onStart);
  try {
    await fn();
  } finally {
    unsubscribe('memkit:command:start', onStart);
  }
  return seen;
}

/** The server's command counters that matter for "how many requests did that cost". */
export interface Counters {
  get: number;
  set: number;
  flush: number;
  touch: number;
  incr: number;
  decr: number;
  delete: number;
}

export async function serverCounters(memcached: MemcachedInstance): Promise<Counters> {
  const s = await rawStats(memcached);
  const n = (k: string) => Number(s[k] ?? 0);
  return {
    get: n('cmd_get'),
    set: n('cmd_set'),
    flush: n('cmd_flush'),
    touch: n('cmd_touch'),
    incr: n('incr_hits') + n('incr_misses'),
    decr: n('decr_hits') + n('decr_misses'),
    delete: n('delete_hits') + n('delete_misses'),
  };
}
