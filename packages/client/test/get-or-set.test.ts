import { rawCommand } from '@memkit/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '../src/index';
import { BACKENDS, type Backend } from './helpers/backends';

describe.each(BACKENDS)('getOrSet stampede protection (meta, $name)', (backend) => {
  let server: Backend;
  let clients: Client[];

  beforeAll(async () => {
    server = await backend.start();
    // Five independent clients stand for five processes: no in-process sharing between them.
    clients = Array.from({ length: 5 }, () => new Client({ servers: [server.address] }));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.stop();
  });
  beforeEach(async () => {
    await clients[0]!.flushAll();
  });

  it('50 concurrent callers on a cold key run the loader once', async () => {
    let calls = 0;
    const loader = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 100));
      return { price: 42 };
    };
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => clients[i % 5]!.getOrSet('cold', loader, { ttl: 60 })),
    );
    expect(calls).toBe(1);
    for (const r of results) expect(r).toEqual({ price: 42 });
    expect(await clients[1]!.get('cold')).toEqual({ price: 42 });
  });

  it('50 concurrent callers on an expiring key (staleTtl window) run the loader once and get a value', async () => {
    await clients[0]!.set('hot', 'old', { ttl: 3 });
    let calls = 0;
    const loader = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 100));
      return 'new';
    };
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        clients[i % 5]!.getOrSet('hot', loader, { ttl: 60, staleTtl: 10 }),
      ),
    );
    expect(calls).toBe(1);
    for (const r of results) expect(['old', 'new']).toContain(r);
    expect(await clients[0]!.get('hot')).toBe('new');
  });

  it('a hit never calls the loader; a failing loader releases the lock for the next caller', async () => {
    await clients[0]!.set('present', 'here');
    expect(await clients[0]!.getOrSet('present', () => 'never')).toBe('here');
    await expect(
      clients[0]!.getOrSet('flaky', () => {
        throw new Error('db down');
      }),
    ).rejects.toThrow('db down');
    // The winner's placeholder is gone (the lock released), so the next caller wins at once; were it
    // still there, that caller would wait on it for its whole (here one-minute) waitTimeout.
    expect(await rawCommand(server, 'mg flaky v\r\n')).toBe('EN\r\n');
    expect(await clients[1]!.getOrSet('flaky', () => 'recovered', { ttl: 10, waitTimeout: 60_000 })).toBe(
      'recovered',
    );
  });

  it('text protocol: in-process callers share one load', async () => {
    const text = new Client({ servers: [server.address], protocol: 'text' });
    try {
      let calls = 0;
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          text.getOrSet('txt', async () => {
            calls++;
            await new Promise((r) => setTimeout(r, 50));
            return 7;
          }),
        ),
      );
      expect(calls).toBe(1);
      expect(results.every((r) => r === 7)).toBe(true);
    } finally {
      await text.close();
    }
  });
});
