/**
 * A configuration endpoint that misbehaves must never cost a data command:
 * garbage, a block of the wrong length, an empty node list, an endpoint that
 * is down for several intervals or too slow to answer — each is reported
 * (`error` event, `memkit:discovery:error` channel) and the last good
 * topology stays. Also: commands wait for the first topology (within their
 * timeout), the legacy `get AmazonElastiCache:cluster` fallback, versions
 * that do not rise are ignored, and `close()` stops polling.
 */
import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { type MemcachedInstance, startMemcachedCluster, stopAll } from '@memkit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client, type DiscoveryMessage, type MemkitError, type TopologyEvent } from '../src/index';
import { ConfigResponder, entry } from './helpers/config-responder';
import { nextTopology, startLoad } from './helpers/load';

let mcs: MemcachedInstance[] = [];
const endpoints: ConfigResponder[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  mcs = await startMemcachedCluster(3);
});
afterAll(() => stopAll(mcs));
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(endpoints.splice(0).map((e) => e.stop().catch(() => {})));
});

async function endpointWith(version: number, ms: MemcachedInstance[]): Promise<ConfigResponder> {
  const e = await ConfigResponder.start({ kind: 'config', version, nodes: ms.map((m) => entry(m.port)) });
  endpoints.push(e);
  return e;
}

function follow(endpoint: ConfigResponder, extra: { timeout?: number } = {}): Client {
  const client = new Client({
    discovery: { configEndpoint: endpoint.address, interval: 40, timeout: extra.timeout ?? 300 },
    timeout: 2000,
  });
  clients.push(client);
  return client;
}

/** Collects `error` events until `n` arrived. */
async function errors(client: Client, n: number): Promise<MemkitError[]> {
  const seen: MemkitError[] = [];
  while (seen.length < n) seen.push(((await once(client, 'error')) as [MemkitError])[0]);
  return seen;
}

describe('bad answers keep the last good topology', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['garbage', 'HELLO WORLD\r\n', /unknown reply/],
    ['a block of the wrong length', 'CONFIG cluster 0 5\r\n9\nlocalhost|127.0.0.1|1\n\r\nEND\r\n', /CRLF/],
    ['an empty node list', 'CONFIG cluster 0 3\r\n9\n\n\r\nEND\r\n', /node list is empty/],
    ['a block that is not a configuration', 'CONFIG cluster 0 8\r\nabc\nxyz\n\r\nEND\r\n', /not a number/],
  ];
  for (const [name, bytes, why] of cases) {
    it(`${name}: reported, servers unchanged, no command fails`, async () => {
      const [a, b] = mcs as [MemcachedInstance, MemcachedInstance];
      const endpoint = await endpointWith(1, [a, b]);
      const client = follow(endpoint);
      await nextTopology(client);
      const servers = client.servers();
      const load = startLoad(client, 4, 100, `bad-${name.length}`);
      const published: DiscoveryMessage[] = [];
      const onMessage = (m: unknown) => published.push(m as DiscoveryMessage);
      diagnostics.subscribe('memkit:discovery:error', onMessage);
      try {
        endpoint.mode = { kind: 'raw', bytes };
        const [first, second] = await errors(client, 2);
        expect(first).toMatchObject({ code: 'ERR_DISCOVERY' });
        expect(first!.message).toMatch(why);
        expect(second).toMatchObject({ code: 'ERR_DISCOVERY' });
        expect(published.length).toBeGreaterThanOrEqual(2);
        expect(published[0]).toMatchObject({ source: endpoint.address, error: { code: 'ERR_DISCOVERY' } });
        expect(client.servers()).toEqual(servers);
        await load.more(500);
        // Healed: the next good version is applied.
        endpoint.mode = { kind: 'config', version: 2, nodes: [entry(a.port)] };
        const event = await nextTopology(client);
        expect(event).toMatchObject({ version: 2, removed: [`localhost:${b.port}`] });
      } finally {
        diagnostics.unsubscribe('memkit:discovery:error', onMessage);
      }
      await load.stop();
      expect(load.failures).toEqual([]);
      expect(load.wrong).toEqual([]);
    });
  }

  it('an endpoint down for several intervals, then back with a new version', async () => {
    const [a, b, c] = mcs as [MemcachedInstance, MemcachedInstance, MemcachedInstance];
    const endpoint = await endpointWith(7, [a, b]);
    const client = follow(endpoint);
    await nextTopology(client);
    const load = startLoad(client, 4, 100, 'down');
    await endpoint.stop();
    const down = await errors(client, 4);
    expect(down.every((e) => e.code === 'ERR_DISCOVERY')).toBe(true);
    expect(client.servers()).toEqual([`localhost:${a.port}`, `localhost:${b.port}`].sort());
    await load.more(500);
    endpoint.mode = { kind: 'config', version: 8, nodes: [entry(a.port), entry(b.port), entry(c.port)] };
    await endpoint.restart();
    const event = await nextTopology(client);
    expect(event).toMatchObject({ version: 8, added: [`localhost:${c.port}`] });
    await load.stop();
    expect(load.failures).toEqual([]);
    expect(load.wrong).toEqual([]);
  });

  it('a slow endpoint: each poll times out and is reported; data commands are unaffected', async () => {
    const [a] = mcs as [MemcachedInstance];
    const endpoint = await endpointWith(3, [a]);
    const client = follow(endpoint, { timeout: 100 });
    await nextTopology(client);
    endpoint.mode = { kind: 'silent' };
    const load = startLoad(client, 4, 50, 'slow');
    const slow = await errors(client, 2);
    expect(slow[0]!.message).toMatch(/timed out|closed/);
    await load.more(300);
    await load.stop();
    expect(load.failures).toEqual([]);
    expect(client.servers()).toEqual([`localhost:${a.port}`]);
  });
});

describe('before the first topology', () => {
  it('commands wait for it within their timeout; lookups that cannot wait say why', async () => {
    const [a] = mcs as [MemcachedInstance];
    const endpoint = await ConfigResponder.start({ kind: 'silent' });
    endpoints.push(endpoint);
    const client = follow(endpoint, { timeout: 100 });
    expect(client.servers()).toEqual([]);
    expect(() => client.serverFor('k')).toThrow(expect.objectContaining({ code: 'ERR_DISCOVERY' }));
    await expect(client.get('k', { timeout: 150 })).rejects.toMatchObject({
      code: 'ERR_TIMEOUT',
      message: expect.stringMatching(/no server known yet.*timed out/),
    });
    const pending = client.set('waited', 'yes', { timeout: 10_000 });
    await sleep(300);
    endpoint.mode = { kind: 'config', version: 1, nodes: [entry(a.port)] };
    expect(await pending).toBe(true);
    expect(await client.get('waited')).toBe('yes');
  });
});

describe('endpoint dialects and versions', () => {
  it('falls back to get AmazonElastiCache:cluster when config get answers ERROR, and stays there', async () => {
    const [a, b] = mcs as [MemcachedInstance, MemcachedInstance];
    const endpoint = await ConfigResponder.start({ kind: 'legacy', version: 4, nodes: [entry(a.port)] });
    endpoints.push(endpoint);
    const client = follow(endpoint);
    expect(await nextTopology(client)).toMatchObject({ version: 4 });
    endpoint.mode = { kind: 'legacy', version: 5, nodes: [entry(a.port), entry(b.port)] };
    expect(await nextTopology(client)).toMatchObject({ version: 5 });
    const asked = endpoint.requests.filter((l) => l !== 'version');
    expect(asked[0]).toBe('config get cluster');
    expect(asked.slice(1).every((l) => l === 'get AmazonElastiCache:cluster')).toBe(true);
    expect(asked.length).toBeGreaterThan(2);
  });

  it('acts only when the version rises', async () => {
    const [a, b, c] = mcs as [MemcachedInstance, MemcachedInstance, MemcachedInstance];
    const endpoint = await endpointWith(5, [a]);
    const client = follow(endpoint);
    await nextTopology(client);
    const topologies: TopologyEvent[] = [];
    client.on('topology', (e: TopologyEvent) => topologies.push(e));
    for (const version of [5, 4]) {
      endpoint.mode = { kind: 'config', version, nodes: [entry(b.port)] };
      const polls = endpoint.polls;
      while (endpoint.polls < polls + 3) await sleep(20);
    }
    expect(topologies).toEqual([]);
    expect(client.servers()).toEqual([`localhost:${a.port}`]);
    endpoint.mode = { kind: 'config', version: 6, nodes: [entry(c.port)] };
    await nextTopology(client);
    expect(client.servers()).toEqual([`localhost:${c.port}`]);
  });

  it('close() stops polling and leaves no timer behind', async () => {
    const [a] = mcs as [MemcachedInstance];
    const endpoint = await endpointWith(1, [a]);
    const client = follow(endpoint);
    await nextTopology(client);
    await client.close();
    const polls = endpoint.polls;
    await sleep(200);
    expect(endpoint.polls).toBe(polls);
  });
});
