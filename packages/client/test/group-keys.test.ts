/**
 * Multi-key calls share one grouping of keys by server, and take string keys
 * only: a binary key is refused the same way by getMulti, getsMulti,
 * setMulti and deleteMulti, in both dialects, with one server or several,
 * before anything is sent.
 */
import { type MemcachedInstance, rawCommand, startMemcachedCluster, stopAll } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../src/index';

describe('multi-key calls take string keys only', () => {
  let servers: MemcachedInstance[];
  beforeAll(async () => {
    servers = await startMemcachedCluster(2);
  });
  afterAll(() => stopAll(servers));

  const cases = (['meta', 'text'] as const).flatMap((protocol) =>
    [1, 2].map((count) => ({ protocol, count, name: `${protocol}, ${count} server(s)` })),
  );

  it.each(cases)(
    '$name: a Uint8Array key is ERR_KEY_INVALID and nothing is sent',
    async ({ protocol, count }) => {
      const used = servers.slice(0, count);
      const client = new Client({ servers: used.map((s) => s.address), protocol, keyPrefix: 'p:' });
      const bin = new Uint8Array([1, 2, 3]) as unknown as string;
      const counters = async () =>
        (await Promise.all(used.map((s) => rawCommand(s, 'stats\r\n')))).map((t) =>
          ['cmd_get', 'cmd_set', 'delete_misses', 'delete_hits'].map(
            (n) => new RegExp(`STAT ${n} (\\d+)`).exec(t)![1],
          ),
        );
      try {
        const before = await counters();
        const keys = ['a', 'b', bin, 'c'];
        const refused = { code: 'ERR_KEY_INVALID', message: /string keys.*Uint8Array/ };
        await expect(client.getMulti(keys)).rejects.toMatchObject(refused);
        await expect(client.getsMulti(keys)).rejects.toMatchObject(refused);
        await expect(client.setMulti(keys.map((k) => [k, 1] as const))).rejects.toMatchObject(refused);
        await expect(client.deleteMulti(keys)).rejects.toMatchObject(refused);
        expect(await counters()).toEqual(before);
      } finally {
        await client.close();
      }
    },
  );

  it.each(cases)(
    '$name: prefixed keys are grouped, sent and reported by the caller’s names',
    async ({ protocol, count }) => {
      const client = new Client({
        servers: servers.slice(0, count).map((s) => s.address),
        protocol,
        keyPrefix: 'g:',
      });
      try {
        const keys = Array.from({ length: 150 }, (_, i) => `k${i}`);
        expect(await client.setMulti(keys.map((k, i) => [k, i] as const))).toEqual([]);
        const got = await client.getMulti([...keys, 'missing']);
        expect(got).toEqual(new Map(keys.map((k, i) => [k, i])));
        // Stored under the prefix: a client without it sees nothing.
        const bare = new Client({ servers: servers.slice(0, count).map((s) => s.address), protocol });
        try {
          expect((await bare.getMulti(keys)).size).toBe(0);
          expect((await bare.getMulti(keys.map((k) => `g:${k}`))).size).toBe(150);
        } finally {
          await bare.close();
        }
        expect(await client.deleteMulti(['missing', ...keys.slice(0, 10), 'k0'])).toEqual(['missing', 'k0']);
      } finally {
        await client.close();
      }
    },
  );
});
