/**
 * The `discovery` option's validation (one of configEndpoint/dns/srv, typed
 * errors naming the closest key for a misspelt one, defaults), and the
 * topology diff the cluster applies.
 */
import { describe, expect, it } from 'vitest';
import type { ServerNode } from '../src/cluster/locator';
import { canonicalOrder, diffTopology } from '../src/cluster/topology';
import { resolveDiscovery } from '../src/discovery/options';
import { Client, type DiscoveryOptions } from '../src/index';

const invalid = (fn: () => unknown, message: RegExp) =>
  expect(fn).toThrow(
    expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringMatching(message) }),
  );

describe('resolveDiscovery', () => {
  it('applies defaults per kind', () => {
    expect(resolveDiscovery({ configEndpoint: 'cfg.example:11211' }, undefined)).toMatchObject({
      kind: 'config',
      endpoint: { address: 'cfg.example:11211', host: 'cfg.example', port: 11211 },
      interval: 60_000,
      timeout: 2000,
      tls: undefined,
    });
    expect(resolveDiscovery({ dns: 'mc.default.svc.cluster.local.' }, undefined)).toEqual({
      kind: 'dns',
      name: 'mc.default.svc.cluster.local',
      port: 11211,
      resolver: undefined,
      interval: 30_000,
      timeout: 2000,
    });
    expect(resolveDiscovery({ srv: '_memcache._tcp.mc', interval: 5000 }, ['10.0.0.2:53'])).toEqual({
      kind: 'srv',
      name: '_memcache._tcp.mc',
      resolver: ['10.0.0.2:53'],
      interval: 5000,
      timeout: 2000,
    });
  });

  it('refuses what it cannot use, naming the problem', () => {
    invalid(() => resolveDiscovery({} as DiscoveryOptions, undefined), /exactly one of.*got none/);
    invalid(() => resolveDiscovery({ dns: 'a', srv: 'b' } as DiscoveryOptions, undefined), /got dns, srv/);
    invalid(
      () => resolveDiscovery({ dns: 'a', intervall: 5 } as DiscoveryOptions, undefined),
      /did you mean interval/,
    );
    invalid(
      () => resolveDiscovery({ configEndpoint: 'a:1', port: 2 } as DiscoveryOptions, undefined),
      /unknown option "port"/,
    );
    invalid(() => resolveDiscovery({ dns: 'a', interval: 0 }, undefined), /interval must be a positive/);
    invalid(() => resolveDiscovery({ dns: 'a', timeout: -1 }, undefined), /timeout must be a positive/);
    invalid(() => resolveDiscovery({ dns: 'a', port: 70000 }, undefined), /port must be 1-65535/);
    invalid(() => resolveDiscovery({ configEndpoint: '/tmp/mc.sock' }, undefined), /not a socket path/);
    invalid(
      () => resolveDiscovery({ configEndpoint: 'a:1' }, ['127.0.0.1']),
      /resolver applies to dns and srv/,
    );
    invalid(() => resolveDiscovery({ dns: 'a', resolver: [] }, undefined), /non-empty array/);
    invalid(() => resolveDiscovery({ dns: 'a', resolver: ['dns.example'] }, undefined), /resolver/);
  });

  it('is checked when the client is created (ERR_INVALID_OPTION), with servers and discovery exclusive', () => {
    const refused = (fn: () => unknown, message: RegExp) =>
      expect(fn).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(message) }),
      );
    refused(
      () => new Client({ servers: ['127.0.0.1:1'], discovery: { dns: 'a' } }),
      /servers or discovery, not both/,
    );
    refused(() => new Client({ resolver: ['127.0.0.1'] }), /option resolver applies to discovery/);
    refused(() => new Client({ discovery: { srv: '' } }), /option discovery: srv must be a DNS name/);
    refused(
      () => new Client({ discovery: { dns: 'a', intervall: 1 } as DiscoveryOptions }),
      /did you mean interval/,
    );
  });
});

const node = (address: string, ip?: string, weight = 1): ServerNode => {
  const [host, port] = address.split(':') as [string, string];
  return { address, host, port: Number(port), weight, ...(ip ? { ip } : {}) };
};

describe('diffTopology', () => {
  it('tells added, removed and moved servers apart, and whether the ring changes', () => {
    const before = [node('a:1', '10.0.0.1'), node('b:1', '10.0.0.2'), node('c:1')];
    const after = [node('a:1', '10.0.0.1'), node('b:1', '10.0.0.9'), node('d:1')];
    const d = diffTopology(before, after);
    expect(d.added.map((n) => n.address)).toEqual(['d:1']);
    expect(d.removed.map((n) => n.address)).toEqual(['c:1']);
    expect(d.moved.map(([o, n]) => [o.ip, n.ip])).toEqual([['10.0.0.2', '10.0.0.9']]);
    expect(d.ringChanged).toBe(true);
    const onlyMoved = diffTopology(before, [before[0]!, node('b:1', '10.0.0.3'), before[2]!]);
    expect(onlyMoved.ringChanged).toBe(false);
    expect(onlyMoved.moved).toHaveLength(1);
    expect(diffTopology(before, [node('a:1', '10.0.0.1', 2), before[1]!, before[2]!]).ringChanged).toBe(true);
    expect(diffTopology(before, [...before].reverse())).toMatchObject({
      added: [],
      removed: [],
      moved: [],
      ringChanged: false,
    });
  });

  it('orders discovered servers canonically, whatever order they were listed in', () => {
    const list = [node('c:1'), node('a:2'), node('b:1'), node('a:1')];
    expect(canonicalOrder(list).map((n) => n.address)).toEqual(['a:1', 'a:2', 'b:1', 'c:1']);
    expect(canonicalOrder([...list].reverse())).toEqual(canonicalOrder(list));
  });
});

describe('discovery errors without a listener', () => {
  it('do not crash the process: no error event is emitted when nobody listens', async () => {
    // Nothing listens on port 1: every poll fails.
    const client = new Client({ discovery: { configEndpoint: '127.0.0.1:1', interval: 20, timeout: 50 } });
    await new Promise((r) => setTimeout(r, 150));
    await expect(client.get('k', { timeout: 50 })).rejects.toMatchObject({
      code: 'ERR_TIMEOUT',
      message: expect.stringMatching(/discovery has not answered: .*ECONNREFUSED|not connected/),
    });
    await client.close();
  });
});
