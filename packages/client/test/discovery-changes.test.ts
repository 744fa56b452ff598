/**
 * Topology changes from a configuration endpoint, applied under a steady
 * load of gets and sets against real memcached processes: a version bump
 * that adds a server, one that removes a server, one that replaces a server
 * (same count, another port). Each must give 0 wrong values and 0 rejected
 * commands, send nothing more to a removed server once the change is
 * applied (its own `stats` say so), and move no key between servers that
 * stayed (ketama: only the changed server's share of keys moves).
 */
import { type MemcachedInstance, rawStats, startMemcachedCluster, stopAll } from '@memkit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../src/index';
import { ConfigResponder, entry } from './helpers/config-responder';
import { nextTopology, startLoad } from './helpers/load';

let mcs: MemcachedInstance[] = [];
let endpoint: ConfigResponder;
const clients: Client[] = [];

beforeAll(async () => {
  mcs = await startMemcachedCluster(4);
  endpoint = await ConfigResponder.start({ kind: 'silent' });
});
afterAll(async () => {
  await endpoint.stop();
  await stopAll(mcs);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

const label = (m: MemcachedInstance) => `localhost:${m.port}`;
const KEYS = Array.from({ length: 4000 }, (_, i) => `probe:${i}`);

/** A client following the endpoint (polled every 50 ms), once it has applied `version`. */
async function follow(version: number): Promise<Client> {
  const client = new Client({ discovery: { configEndpoint: endpoint.address, interval: 50 }, timeout: 2000 });
  clients.push(client);
  const event = await nextTopology(client);
  expect(event.version).toBe(version);
  return client;
}

/** Counters that any command to the server would move. */
async function commandCounters(m: MemcachedInstance): Promise<Record<string, string>> {
  const s = await rawStats(m);
  const names = [
    'cmd_get',
    'cmd_set',
    'cmd_touch',
    'delete_hits',
    'delete_misses',
    'incr_misses',
    'incr_hits',
  ];
  return Object.fromEntries(names.map((n) => [n, s[n]!]));
}

/** Applies `nodes` as `version` under load; returns what the load saw and the owners before/after. */
async function changeUnderLoad(client: Client, version: number, nodes: MemcachedInstance[]) {
  // Keys of their own per test: the servers are shared, and an earlier test's values must not count.
  const load = startLoad(client, 8, 200, `load${version}`);
  await load.more(1000);
  const before = KEYS.map((k) => client.serverFor(k));
  endpoint.mode = { kind: 'config', version, nodes: nodes.map((m) => entry(m.port)) };
  const event = await nextTopology(client);
  const after = KEYS.map((k) => client.serverFor(k));
  // Everything issued before the change has settled: from here on, routing is the new ring's.
  await load.quiesce();
  return { load, event, before, after };
}

describe('configuration endpoint: changes under load', () => {
  it('adds a server: only keys moving to it change owner, nothing fails, no wrong value', async () => {
    const [a, b, c] = mcs as [MemcachedInstance, MemcachedInstance, MemcachedInstance];
    endpoint.mode = { kind: 'config', version: 10, nodes: [entry(a.port), entry(b.port)] };
    const client = await follow(10);
    const { load, event, before, after } = await changeUnderLoad(client, 11, [a, b, c]);
    expect(event).toEqual({
      version: 11,
      servers: [label(a), label(b), label(c)].sort(),
      added: [label(c)],
      removed: [],
      moved: [],
    });
    expect(client.servers()).toEqual(event.servers);
    await load.more(2000);
    await load.stop();
    const moved = KEYS.filter((_, i) => before[i] !== after[i]);
    expect(moved.every((k) => client.serverFor(k) === label(c))).toBe(true);
    // ketama: about a third of the keys go to the third server.
    expect(moved.length / KEYS.length).toBeGreaterThan(0.2);
    expect(moved.length / KEYS.length).toBeLessThan(0.47);
    expect(load.wrong).toEqual([]);
    expect(load.failures).toEqual([]);
    // The new server really serves its keys.
    expect(Number((await rawStats(c)).cmd_set)).toBeGreaterThan(0);
  });

  it('removes a server: it is drained and gets no command after the change; other keys stay put', async () => {
    const [a, b, c] = mcs as [MemcachedInstance, MemcachedInstance, MemcachedInstance];
    endpoint.mode = { kind: 'config', version: 20, nodes: [entry(a.port), entry(b.port), entry(c.port)] };
    const client = await follow(20);
    const closed = new Set<string>();
    client.on('close', (address: string) => closed.add(address));
    const { load, event, before, after } = await changeUnderLoad(client, 21, [a, b]);
    expect(event).toMatchObject({ version: 21, added: [], removed: [label(c)] });
    const frozen = await commandCounters(c);
    await load.more(3000);
    expect(await commandCounters(c)).toEqual(frozen);
    await load.stop();
    expect(closed.has(label(c))).toBe(true);
    for (let i = 0; i < KEYS.length; i++) {
      // A key moves only if it was on the removed server.
      if (before[i] !== after[i]) expect(before[i]).toBe(label(c));
    }
    expect(load.wrong).toEqual([]);
    expect(load.failures).toEqual([]);
  });

  it('replaces a server (same count, another port): only its keys move, to the newcomer or the others', async () => {
    const [a, b, c, d] = mcs as [MemcachedInstance, MemcachedInstance, MemcachedInstance, MemcachedInstance];
    endpoint.mode = { kind: 'config', version: 30, nodes: [entry(a.port), entry(b.port), entry(c.port)] };
    const client = await follow(30);
    const { load, event, before, after } = await changeUnderLoad(client, 31, [a, b, d]);
    expect(event).toMatchObject({ version: 31, added: [label(d)], removed: [label(c)] });
    const frozen = await commandCounters(c);
    await load.more(3000);
    expect(await commandCounters(c)).toEqual(frozen);
    await load.stop();
    let betweenUnchanged = 0;
    for (let i = 0; i < KEYS.length; i++) {
      if (before[i] === after[i]) continue;
      if (before[i] !== label(c) && after[i] !== label(d)) betweenUnchanged++;
    }
    expect(betweenUnchanged).toBe(0);
    expect(load.wrong).toEqual([]);
    expect(load.failures).toEqual([]);
  });
});
