/**
 * The circuit breaker of each server, observed through `server:state`
 * events, the census and what reached the server: healthy → suspect (a
 * failure) → dead (failureThreshold failures) → probing (exactly one probe
 * in flight) → dead again while it does not answer → probing → healthy.
 * Callers never wait on a dead server, and reads of a suspect one fail
 * rather than being answered from elsewhere.
 */
import diagnostics from 'node:diagnostics_channel';
import {
  type MemcachedInstance,
  type RecordingProxy,
  startMemcachedCluster,
  startRecordingProxy,
  stopAll,
} from '@memkit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CENSUS_CHANNEL, Client, type ClientCensus, type ServerStateChange } from '../../src/index';
import { freeze, nextEvent } from './scenario';

let servers: MemcachedInstance[];
let proxy: RecordingProxy;

beforeEach(async () => {
  servers = await startMemcachedCluster(3);
  proxy = await startRecordingProxy({ target: servers[1]! });
});
afterEach(async () => {
  for (const s of servers) s.kill('SIGCONT');
  await proxy.close();
  await stopAll(servers);
});

/** Whether `p` has settled before the event loop gets to I/O: nothing waited on a socket. */
async function settledWithoutIo(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await new Promise((r) => setImmediate(r));
  return settled;
}

function states(client: Client, address: string): ServerStateChange[] {
  const seen: ServerStateChange[] = [];
  client.on('server:state', (c: ServerStateChange) => {
    if (c.server === address) seen.push(c);
  });
  return seen;
}

function census(address: string): { state: string; pending: number } | undefined {
  const c: ClientCensus = { clients: [] };
  diagnostics.channel(CENSUS_CHANNEL).publish(c);
  for (const client of c.clients) for (const s of client.servers) if (s.address === address) return s;
  return undefined;
}

describe('circuit breaker', () => {
  it('healthy → suspect → dead → probing (one probe at a time) → healthy; nothing waits on a dead server', async () => {
    const b = proxy.address;
    const client = new Client({
      servers: [servers[0]!.address, b, servers[2]!.address],
      timeout: 300,
      connectTimeout: 300,
      failureThreshold: 2,
      deadRetryDelay: 400,
      failover: 'error',
    });
    const channel: ServerStateChange[] = [];
    const listen = (m: unknown) => channel.push(m as ServerStateChange);
    diagnostics.subscribe('memkit:server:state', listen);
    try {
      const seen = states(client, b);
      const bKeys = Array.from({ length: 200 }, (_, i) => `breaker:${i}`).filter(
        (k) => client.serverFor(k) === b,
      );
      await client.set(bKeys[0]!, 'x');
      await freeze(servers[1]!);
      // Suspect: the read fails with its timeout; it is not answered by another server.
      await expect(client.get(bKeys[0]!)).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
      expect(seen.map((c) => c.state)).toEqual(['suspect']);
      expect(census(b)?.state).toBe('suspect');
      await expect(client.get(bKeys[0]!)).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
      expect(seen.map((c) => c.state)).toEqual(['suspect', 'dead']);
      expect(['ERR_TIMEOUT', 'ERR_CONNECTION_CLOSED']).toContain(seen[1]!.error?.code);
      // Dead: every call for its keys fails at once, none is queued on it.
      proxy.clear();
      const calls = bKeys.map((k) => client.get(k));
      expect(await settledWithoutIo(Promise.allSettled(calls))).toBe(true);
      for (const r of await Promise.allSettled(calls))
        expect(r).toMatchObject({ status: 'rejected', reason: { code: 'ERR_SERVER_DEAD' } });
      expect(census(b)).toMatchObject({ state: 'dead', pending: 0 });
      // Probes while it stays frozen: each one alone, then dead again.
      while (seen.filter((c) => c.state === 'probing').length < 3)
        await nextEvent(client, 'server:state', b, 5000).catch(() => undefined);
      await new Promise<void>((resolve) => {
        const check = () => (seen.at(-1)?.state === 'dead' ? resolve() : setTimeout(check, 20));
        check();
      });
      const probes = seen.filter((c) => c.state === 'probing').length;
      const versions = Buffer.concat(proxy.sent()).toString('latin1').split('version\r\n').length - 1;
      expect(versions).toBe(probes);
      // Thawed: the next probe brings it back.
      const alive = nextEvent(client, 'server:alive', b);
      servers[1]!.kill('SIGCONT');
      await alive;
      expect(await client.get(bKeys[0]!)).toBe('x');
      const sequence = seen.map((c) => c.state).join(' ');
      expect(sequence).toMatch(/^suspect dead (probing dead )+probing healthy$/);
      for (const c of seen) expect(c.previous).not.toBe(c.state);
      expect(channel.filter((c) => c.server === b).map((c) => c.state)).toEqual(seen.map((c) => c.state));
      expect(census(b)?.state).toBe('healthy');
    } finally {
      diagnostics.unsubscribe('memkit:server:state', listen);
      await client.close();
    }
  });

  it('suspect → healthy after one good reply', async () => {
    const b = proxy.address;
    const client = new Client({
      servers: [servers[0]!.address, b, servers[2]!.address],
      timeout: 300,
      failureThreshold: 3,
    });
    try {
      const seen = states(client, b);
      const key = Array.from({ length: 200 }, (_, i) => `suspect:${i}`).find(
        (k) => client.serverFor(k) === b,
      )!;
      await client.set(key, 'y');
      await freeze(servers[1]!);
      await expect(client.get(key)).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
      servers[1]!.kill('SIGCONT');
      expect(await client.get(key)).toBe('y');
      expect(seen.map((c) => `${c.previous}→${c.state}`)).toEqual(['healthy→suspect', 'suspect→healthy']);
    } finally {
      await client.close();
    }
  });
});
