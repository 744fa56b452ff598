import { type MemcachedInstance, rawCommand, startMemcachedCluster, stopAll } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../src/index';

describe('multi-key calls validate every key before sending anything', () => {
  let servers: MemcachedInstance[];
  beforeAll(async () => {
    servers = await startMemcachedCluster(3);
  });
  afterAll(async () => {
    await stopAll(servers);
  });

  for (const protocol of ['meta', 'text'] as const) {
    it(`${protocol}: one bad key rejects the whole call and nothing reaches any server`, async () => {
      const c = new Client({ servers: servers.map((s) => s.address), protocol });
      try {
        const keys = Array.from({ length: 30 }, (_, i) => `ok${i}`);
        const before = await Promise.all(servers.map((s) => rawCommand(s, 'stats\r\n')));
        const cmdGet = (t: string) => Number(/STAT cmd_get (\d+)/.exec(t)![1]);
        const cmdSet = (t: string) => Number(/STAT cmd_set (\d+)/.exec(t)![1]);
        const deletes = (t: string) =>
          Number(/STAT delete_hits (\d+)/.exec(t)![1]) + Number(/STAT delete_misses (\d+)/.exec(t)![1]);
        for (const bad of ['has space', 'x'.repeat(251), 'nl\r\nflush_all']) {
          await expect(c.getMulti([...keys, bad])).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
          await expect(c.setMulti([...keys, bad].map((k) => [k, 1] as const))).rejects.toMatchObject({
            code: 'ERR_KEY_INVALID',
          });
          await expect(c.deleteMulti([bad, ...keys])).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
        }
        const after = await Promise.all(servers.map((s) => rawCommand(s, 'stats\r\n')));
        servers.forEach((_, i) => {
          expect(cmdGet(after[i]!)).toBe(cmdGet(before[i]!));
          expect(cmdSet(after[i]!)).toBe(cmdSet(before[i]!));
          expect(deletes(after[i]!)).toBe(deletes(before[i]!));
        });
        expect(() => c.serverFor('has space')).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }));
      } finally {
        await c.close();
      }
    });
  }
});
