/**
 * Writes through a client with a near cache are seen by that client at once:
 * every command that changes an item (single and multi, noreply too, and
 * getOrSet's store) drops the key from the near cache, whether it succeeds,
 * fails or has no known outcome; a flush empties it. Against a real
 * memcached; each case first makes the key cached, then writes, then reads.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '../src/index';
import { type Backend, freeze, startReal } from './helpers/backends';
import { settle, stats, warm } from './helpers/near';

describe('near cache: writes through the same client', () => {
  let server: Backend;
  let a: Client;

  beforeAll(async () => {
    server = await startReal();
  });
  afterAll(() => server.stop());
  beforeEach(async () => {
    // maxAge far beyond the test: only invalidation can make a cached value go.
    a = new Client({ servers: [server.address], nearCache: { maxAge: 600_000 } });
    await a.flushAll();
  });
  afterEach(() => a.close());

  /** Caches `key` holding `value` in `a`, and checks that it is served from the near cache. */
  async function cached(key: string, value: unknown): Promise<void> {
    await a.set(key, value);
    await warm(a, key);
    const hits = stats(a).hits;
    expect(await a.get(key)).toEqual(value);
    expect(stats(a).hits).toBe(hits + 1);
  }

  const writes: Array<[string, (key: string) => Promise<unknown>, unknown]> = [
    ['set', (k) => a.set(k, 'new'), 'new'],
    ['set noreply', (k) => a.set(k, 'new', { noreply: true }), 'new'],
    ['replace', (k) => a.replace(k, 'new'), 'new'],
    ['append', (k) => a.append(k, '+'), 'old+'],
    ['prepend noreply', (k) => a.prepend(k, '+', { noreply: true }), '+old'],
    ['delete', (k) => a.delete(k), undefined],
    ['touch (a TTL the entry could outlive)', (k) => a.touch(k, 1), 'old'],
    ['gat', (k) => a.gat(k, 1), 'old'],
    ['gats', (k) => a.gats(k, 1), 'old'],
    [
      'cas',
      async (k) => {
        const { cas } = (await a.gets(k))!;
        expect(await a.cas(k, 'new', cas)).toBe(true);
      },
      'new',
    ],
    ['setMulti', (k) => a.setMulti([[k, 'new']]), 'new'],
    ['deleteMulti', (k) => a.deleteMulti([k]), undefined],
  ];
  for (const [name, write, after] of writes) {
    it(`${name} drops the key: the next read sees the write`, async () => {
      await cached('w', 'old');
      await write('w');
      if (name.includes('noreply')) await settle(); // its promise resolves as soon as it is sent
      const hits = stats(a).hits;
      expect(await a.get('w')).toEqual(after);
      expect(stats(a).hits).toBe(hits); // from memcached, not from the near cache
    });
  }

  it('incr and decr drop the key', async () => {
    await cached('n', 10);
    expect(await a.incr('n', 5)).toBe(15n);
    expect(await a.get('n')).toBe(15);
    await warm(a, 'n');
    expect(await a.decr('n', 1)).toBe(14n);
    expect(await a.get('n')).toBe(14);
  });

  it('add drops the key even when it does not store (a failed write evicts)', async () => {
    await cached('k', 'old');
    expect(await a.add('k', 'other')).toBe(false);
    expect(stats(a).entries).toBe(0);
    expect(await a.get('k')).toBe('old');
  });

  it('a write the server refuses drops the key (incr of text: CLIENT_ERROR)', async () => {
    await cached('t', 'text');
    await expect(a.incr('t', 1)).rejects.toMatchObject({ code: 'ERR_CLIENT_ERROR' });
    expect(stats(a).entries).toBe(0);
  });

  it("getOrSet's store drops the key; a cached value answers getOrSet without the loader", async () => {
    await cached('g', 'cached');
    expect(await a.getOrSet('g', () => 'loaded')).toBe('cached');
    await a.delete('g');
    expect(await a.getOrSet('g', () => 'loaded')).toBe('loaded');
    expect(await a.get('g')).toBe('loaded');
  });

  it('flushAll empties the near cache', async () => {
    await cached('f1', 'x');
    await cached('f2', 'y');
    await a.flushAll();
    expect(stats(a).entries).toBe(0);
    expect(await a.getMulti(['f1', 'f2'])).toEqual(new Map());
  });

  it('a write through one view drops the entry the client reads through another', async () => {
    await cached('p:k', 'old');
    await a.withKeyOptions({ keyPrefix: 'p:' }).set('k', 'new');
    expect(await a.get('p:k')).toBe('new');
  });

  describe('on a stopped server', () => {
    let own: Backend;
    let c: Client;
    beforeEach(async () => {
      own = await startReal();
      c = new Client({ servers: [own.address], nearCache: { maxAge: 600_000 }, timeout: 300 });
    });
    afterEach(async () => {
      own.instance!.kill('SIGCONT');
      await c.close();
      await own.stop();
    });

    it('a write with no known outcome (aborted once written) drops the key, the connection kept', async () => {
      await c.set('u', 'old');
      await warm(c, 'u');
      await freeze(own.instance!);
      const abort = new AbortController();
      const write = c.set('u', 'new', { signal: abort.signal, timeout: 60_000 });
      await settle(50); // written to the socket by now
      abort.abort();
      await expect(write).rejects.toMatchObject({ code: 'ERR_ABORTED' });
      expect(stats(c).entries).toBe(0);
      own.instance!.kill('SIGCONT');
      const hits = stats(c).hits;
      expect(await c.get('u')).toBe('new'); // it did land, on the connection that was kept
      expect(stats(c).hits).toBe(hits);
    });

    it('a lost connection drops the entries of its server (memcached may have restarted, CAS counters with it)', async () => {
      await c.set('x', 'x');
      await warm(c, 'x');
      await freeze(own.instance!);
      await expect(c.get('not-cached')).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
      expect(stats(c).entries).toBe(0);
    });
  });
});
