/**
 * DNS discovery against a DNS server of our own on 127.0.0.1 (dns-packet)
 * whose records change between polls: A records (one server per address,
 * labelled by IP, all on one port; the memcacheds listen on 127.0.0.2-4),
 * AAAA, and SRV records (labelled by target name, so a target that moves to
 * another IP keeps its keys). Bad answers keep the last good topology.
 */
import { getFreePort, type MemcachedInstance, rawStats, startMemcached, stopAll } from '@memkit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client, type MemkitError } from '../src/index';
import { DnsResponder } from './helpers/dns-responder';
import { nextTopology, startLoad } from './helpers/load';

let port = 0;
let mcs: MemcachedInstance[] = [];
let dns: DnsResponder;
const clients: Client[] = [];

beforeAll(async () => {
  // One port, three loopback addresses: what a headless Service looks like from a pod.
  port = await getFreePort('127.0.0.2');
  mcs = await Promise.all(
    ['127.0.0.2', '127.0.0.3', '127.0.0.4'].map((host) => startMemcached({ host, port })),
  );
  dns = await DnsResponder.start({});
});
afterAll(async () => {
  await dns.stop();
  await stopAll(mcs);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  dns.silent = false;
});

function client(discovery: Record<string, unknown>, extra: Record<string, unknown> = {}): Client {
  const c = new Client({
    discovery: { interval: 40, timeout: 300, ...discovery } as never,
    timeout: 2000,
    ...extra,
  });
  clients.push(c);
  return c;
}

const KEYS = Array.from({ length: 3000 }, (_, i) => `dns-probe:${i}`);

describe('A/AAAA records', () => {
  it('follows records that change between polls, under load, labelled by IP', async () => {
    dns.zone = { a: { 'memcached.test': ['127.0.0.3', '127.0.0.2'] } };
    const c = client({ dns: 'memcached.test', port, resolver: [dns.address] });
    const first = await nextTopology(c);
    expect(first).toMatchObject({ version: 1, servers: [`127.0.0.2:${port}`, `127.0.0.3:${port}`] });
    const load = startLoad(c, 6, 100, 'dns-a');
    await load.more(500);

    // Same records in another order: nothing changes.
    dns.zone = { a: { 'memcached.test': ['127.0.0.2', '127.0.0.3'] } };
    const asked = dns.questions.length;
    while (dns.questions.length < asked + 4) await new Promise((r) => setTimeout(r, 20));
    expect(c.servers()).toEqual(first.servers);

    const before = KEYS.map((k) => c.serverFor(k));
    dns.zone = { a: { 'memcached.test': ['127.0.0.2', '127.0.0.3', '127.0.0.4'] } };
    const grown = await nextTopology(c);
    expect(grown).toMatchObject({ version: 2, added: [`127.0.0.4:${port}`], removed: [] });
    const after = KEYS.map((k) => c.serverFor(k));
    for (let i = 0; i < KEYS.length; i++)
      if (before[i] !== after[i]) expect(after[i]).toBe(`127.0.0.4:${port}`);
    await load.more(1000);

    dns.zone = { a: { 'memcached.test': ['127.0.0.2', '127.0.0.4'] } };
    const shrunk = await nextTopology(c);
    expect(shrunk).toMatchObject({ version: 3, added: [], removed: [`127.0.0.3:${port}`] });
    await load.quiesce();
    const frozen = (await rawStats(mcs[1]!)).cmd_set;
    await load.more(1500);
    expect((await rawStats(mcs[1]!)).cmd_set).toBe(frozen);
    await load.stop();
    expect(load.wrong).toEqual([]);
    expect(load.failures).toEqual([]);
  });

  it('merges A and AAAA records', async () => {
    dns.zone = { a: { 'dual.test': ['127.0.0.2'] }, aaaa: { 'dual.test': ['::1'] } };
    const c = client({ dns: 'dual.test', port, resolver: [dns.address] });
    expect((await nextTopology(c)).servers).toEqual([`127.0.0.2:${port}`, `[::1]:${port}`]);
  });

  it('keeps the last good topology when the name vanishes, has no records or DNS stops answering', async () => {
    dns.zone = { a: { 'flaky.test': ['127.0.0.2'] } };
    const c = client({ dns: 'flaky.test', port, resolver: [dns.address] });
    await nextTopology(c);
    const seen: MemkitError[] = [];
    c.on('error', (e: MemkitError) => seen.push(e));
    const load = startLoad(c, 2, 50, 'dns-flaky');
    const waitErrors = async (n: number) => {
      const want = seen.length + n;
      while (seen.length < want) await new Promise((r) => setTimeout(r, 20));
    };
    dns.zone = {};
    await waitErrors(2);
    dns.zone = { srv: { 'flaky.test': [{ target: 'x.test', port: 1 }] } };
    await waitErrors(2);
    dns.silent = true;
    await waitErrors(2);
    expect(seen.every((e) => e.code === 'ERR_DISCOVERY')).toBe(true);
    expect(seen.map((e) => e.message).join('\n')).toMatch(
      /no A or AAAA records|queryA|ENOTFOUND|ETIMEOUT|no answer/,
    );
    expect(c.servers()).toEqual([`127.0.0.2:${port}`]);
    await load.more(200);
    await load.stop();
    expect(load.failures).toEqual([]);
  });
});

describe('SRV records', () => {
  it('labels servers by target name: a target moving to another IP keeps its keys', async () => {
    dns.zone = {
      srv: {
        '_memcache._tcp.mc.test': [
          { target: 'mc-0.mc.test', port },
          { target: 'mc-1.mc.test', port },
        ],
      },
      a: { 'mc-0.mc.test': ['127.0.0.2'], 'mc-1.mc.test': ['127.0.0.3'] },
    };
    const c = client({ srv: '_memcache._tcp.mc.test' }, { resolver: [dns.address] });
    const first = await nextTopology(c);
    expect(first.servers).toEqual([`mc-0.mc.test:${port}`, `mc-1.mc.test:${port}`]);
    const load = startLoad(c, 4, 100, 'dns-srv');
    await load.more(500);
    const before = KEYS.map((k) => c.serverFor(k));

    // The pod behind mc-1 is rescheduled: same name, new address.
    dns.zone = { ...dns.zone, a: { 'mc-0.mc.test': ['127.0.0.2'], 'mc-1.mc.test': ['127.0.0.4'] } };
    const moved = await nextTopology(c);
    expect(moved).toMatchObject({ added: [], removed: [], moved: [`mc-1.mc.test:${port}`] });
    expect(KEYS.map((k) => c.serverFor(k))).toEqual(before);
    await load.quiesce();
    const frozen = (await rawStats(mcs[1]!)).cmd_get;
    await load.more(1000);
    expect((await rawStats(mcs[1]!)).cmd_get).toBe(frozen);
    expect(Number((await rawStats(mcs[2]!)).cmd_get)).toBeGreaterThan(0);
    await load.stop();
    expect(load.wrong).toEqual([]);
    expect(load.failures).toEqual([]);
  });

  it('refuses a resolver given twice with different values, and bad names', () => {
    expect(
      () =>
        new Client({ discovery: { srv: '_m._tcp.x', resolver: ['127.0.0.1:1'] }, resolver: ['127.0.0.1:2'] }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    expect(() => new Client({ discovery: { dns: 'bad name!' } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
    expect(() => new Client({ discovery: { dns: 'ok.test', resolver: ['not an ip'] } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
  });
});
