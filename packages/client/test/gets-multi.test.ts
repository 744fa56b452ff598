/**
 * `getsMulti`: CAS for many keys in one batch per server, grouped and failing
 * per server like getMulti.
 */
import { type MemcachedInstance, startMemcachedCluster, stopAll } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../src/index';
import { BACKEND_PROTOCOLS } from './helpers/backends';
import { useClient } from './helpers/use-client';

describe.each(BACKEND_PROTOCOLS)('getsMulti over $name', ({ backend, protocol }) => {
  const f = useClient(backend.start, { protocol, keyPrefix: 'gm:' });

  it('returns value and CAS of the hits, keyed by the caller’s keys, over several lines', async () => {
    const keys = Array.from({ length: 250 }, (_, i) => `k${i}`);
    await f.client.setMulti(keys.filter((_, i) => i % 3 !== 0).map((k) => [k, { k }] as const));
    const got = await f.client.getsMulti<{ k: string }>([...keys, 'absent']);
    expect(got.size).toBe(keys.filter((_, i) => i % 3 !== 0).length);
    for (const [k, hit] of got) {
      expect(hit.value).toEqual({ k });
      expect(typeof hit.cas).toBe('bigint');
      expect(hit).toEqual(await f.client.gets(k));
    }
    expect(got.has('k0')).toBe(false);
    expect(await f.client.getsMulti([])).toEqual(new Map());
  });

  it('its CAS values work with cas(): one writer wins, a stale CAS loses', async () => {
    await f.client.setMulti({ a: 1, b: 2 });
    const first = await f.client.getsMulti<number>(['a', 'b']);
    expect(await f.client.cas('a', 10, first.get('a')!.cas)).toBe(true);
    expect(await f.client.cas('a', 11, first.get('a')!.cas)).toBe(false);
    expect(await f.client.cas('b', 20, first.get('b')!.cas)).toBe(true);
    expect(await f.client.getMulti(['a', 'b'])).toEqual(
      new Map([
        ['a', 10],
        ['b', 20],
      ]),
    );
  });
});

describe('getsMulti across servers', () => {
  let servers: MemcachedInstance[];
  beforeAll(async () => {
    servers = await startMemcachedCluster(2);
  });
  afterAll(() => stopAll(servers));

  it('a failed server costs only its keys; every server failed is an error', async () => {
    // The second "server" refuses connections.
    const half = new Client({ servers: [servers[0]!.address, '127.0.0.1:1'], connectTimeout: 300 });
    const none = new Client({ servers: ['127.0.0.1:1', '127.0.0.1:2'], connectTimeout: 300 });
    try {
      const keys = Array.from({ length: 40 }, (_, i) => `x${i}`);
      const failed = await half.setMulti(keys.map((k) => [k, k] as const));
      const stored = keys.filter((k) => !failed.includes(k));
      expect(stored.length).toBeGreaterThan(0);
      expect(failed.length).toBeGreaterThan(0);
      for (const k of stored) expect(half.serverFor(k)).toBe(servers[0]!.address);
      const got = await half.getsMulti<string>(keys);
      expect([...got.keys()].sort()).toEqual([...stored].sort());
      for (const k of stored) expect(got.get(k)?.value).toBe(k);
      await expect(none.getsMulti(keys)).rejects.toMatchObject({ code: 'ERR_CONNECT' });
    } finally {
      await Promise.all([half.close(), none.close()]);
    }
  });
});

describe.each(BACKEND_PROTOCOLS)("getsMulti with keyMapping: 'auto' over $name", ({ backend, protocol }) => {
  const f = useClient(backend.start, { protocol, keyMapping: 'auto' });

  it('reads mapped keys (binary in meta, digests in text) with their CAS', async () => {
    const keys = ['plain', 'with space', 'tab\there', `long ${'x'.repeat(300)}`];
    expect(await f.client.setMulti(keys.map((k, i) => [k, i] as const))).toEqual([]);
    const got = await f.client.getsMulti<number>([...keys, 'absent key']);
    expect([...got.keys()].sort()).toEqual([...keys].sort());
    for (const [i, k] of keys.entries()) {
      expect(got.get(k)).toEqual(await f.client.gets(k));
      expect(got.get(k)?.value).toBe(i);
    }
    expect(await f.client.cas('with space', 'new', got.get('with space')!.cas)).toBe(true);
    expect(await f.client.cas('with space', 'newer', got.get('with space')!.cas)).toBe(false);
    expect(await f.client.get('with space')).toBe('new');
  });
});
