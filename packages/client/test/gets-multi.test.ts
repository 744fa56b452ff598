/**
 * `getsMulti`: CAS for many keys in one batch per server, grouped and failing
 * per server like getMulti.
 */
import { type MemcachedInstance, startMemcachedCluster, stopAll } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CasResult, Client, type PartialFailureError } from '../src/index';
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

  it('a failed server fails only its keys (ERR_PARTIAL_FAILURE); every server failed is an error', async () => {
    // The second "server" refuses connections; it is never marked dead, so its keys stay its own.
    const opts = { connectTimeout: 300, failureThreshold: 1_000_000 };
    const half = new Client({ servers: [servers[0]!.address, '127.0.0.1:1'], ...opts });
    const none = new Client({ servers: ['127.0.0.1:1', '127.0.0.1:2'], ...opts });
    try {
      const keys = Array.from({ length: 40 }, (_, i) => `x${i}`);
      const stored = keys.filter((k) => half.serverFor(k) === servers[0]!.address);
      const lost = keys.filter((k) => !stored.includes(k));
      expect(stored.length).toBeGreaterThan(0);
      expect(lost.length).toBeGreaterThan(0);
      const set = (await half
        .setMulti(keys.map((k) => [k, k] as const))
        .catch((e) => e)) as PartialFailureError<string[]>;
      expect(set.code).toBe('ERR_PARTIAL_FAILURE');
      expect(set.partial).toEqual([]);
      expect(set.failures.map((f) => f.keys)).toEqual([lost]);
      const got = (await half.getsMulti<string>(keys).catch((e) => e)) as PartialFailureError<
        Map<string, CasResult<string>>
      >;
      expect(got.code).toBe('ERR_PARTIAL_FAILURE');
      expect([...got.partial.keys()].sort()).toEqual([...stored].sort());
      for (const k of stored) expect(got.partial.get(k)?.value).toBe(k);
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
