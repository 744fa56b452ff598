/**
 * Reads through the near cache against a real memcached, behind a recording
 * proxy that shows what actually went on the wire: admission by memcached's
 * h/l flags, serving without a request, expiry and CAS revalidation (clock
 * driven by the test), one revalidation for 100 concurrent readers,
 * refresh-ahead, getMulti/getsMulti, gets/cas, values that must not be
 * shared, key views, TTLs, and what tracing reports.
 */
import diagnostics from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client, type ClientOptions, type CommandTrace, TRACING_CHANNELS } from '../src/index';
import { type Backend, startReal } from './helpers/backends';
import { driveClock, FETCH, metaGets, REVALIDATION, settle, stats, warm } from './helpers/near';
import { type RecordingProxy, startRecordingProxy } from './helpers/recording-proxy';

const MAX_AGE = 1000;

describe('near cache reads (real memcached)', () => {
  let server: Backend;
  let proxy: RecordingProxy;
  let writer: Client;
  const clients: Client[] = [];

  /** A client with a near cache, through the recording proxy. */
  function nearClient(options: Omit<ClientOptions, 'servers'> = {}): Client {
    const c = new Client({ nearCache: { maxAge: MAX_AGE }, ...options, servers: [proxy.address] });
    clients.push(c);
    return c;
  }

  /** What the near clients sent since `mark` (a length of `proxy.sent()`). */
  const since = (mark: number) => proxy.sent().slice(mark);

  beforeAll(async () => {
    server = await startReal();
    proxy = await startRecordingProxy(server);
    writer = new Client({ servers: [server.address] }); // another process: not through the proxy
  });
  afterAll(async () => {
    await writer.close();
    await proxy.close();
    await server.stop();
  });
  beforeEach(() => writer.flushAll());
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  it('admits a key memcached reports as read before, then answers it without a request', async () => {
    const a = nearClient();
    await writer.set('hot', 'v1');
    const mark = proxy.sent().length;
    expect(await a.get('hot')).toBe('v1'); // h0: the first read of this version, not cached
    expect(stats(a).admitted).toBe(0);
    expect(await a.get('hot')).toBe('v1'); // h1 l0: cached
    expect(stats(a).admitted).toBe(1);
    for (let i = 0; i < 5; i++) expect(await a.get('hot')).toBe('v1');
    expect(metaGets(since(mark), 'hot')).toEqual([FETCH('hot'), FETCH('hot')]);
    expect(stats(a)).toMatchObject({ hits: 5, fetches: 2, entries: 1 });
  });

  it('never caches a miss', async () => {
    const a = nearClient();
    const mark = proxy.sent().length;
    for (let i = 0; i < 3; i++) expect(await a.get('nothing')).toBeUndefined();
    expect(metaGets(since(mark), 'nothing')).toHaveLength(3);
    expect(stats(a).entries).toBe(0);
  });

  it('serves an entry for maxAge after its fetch was sent, then revalidates it by CAS alone', async () => {
    const a = nearClient();
    const clock = driveClock(a);
    await writer.set('k', 'v1');
    await warm(a, 'k');
    await writer.set('k', 'v2'); // another process writes: within maxAge, a may still serve v1
    clock.advance(MAX_AGE - 1);
    const mark = proxy.sent().length;
    expect(await a.get('k')).toBe('v1');
    await settle(); // the background revalidation (refresh-ahead) it triggered
    // That revalidation saw the new CAS and refetched: v2 is cached now, stamped at its send time.
    expect(metaGets(since(mark), 'k')).toEqual([REVALIDATION('k'), FETCH('k')]);
    expect(await a.get('k')).toBe('v2');
    clock.advance(MAX_AGE);
    const mark2 = proxy.sent().length;
    expect(await a.get('k')).toBe('v2'); // expired: revalidated before answering
    expect(metaGets(since(mark2), 'k')).toEqual([REVALIDATION('k')]);
    expect(stats(a).unchanged).toBe(1);
    const mark3 = proxy.sent().length;
    clock.advance(MAX_AGE / 2);
    expect(await a.get('k')).toBe('v2'); // restamped by that revalidation: fresh again
    expect(metaGets(since(mark3), 'k')).toEqual([]);
  });

  it('an expired entry whose item was deleted elsewhere is a miss, and is dropped', async () => {
    const a = nearClient();
    const clock = driveClock(a);
    await writer.set('gone', 'v');
    await warm(a, 'gone');
    await writer.delete('gone');
    clock.advance(MAX_AGE);
    expect(await a.get('gone')).toBeUndefined();
    expect(stats(a).entries).toBe(0);
  });

  it('100 concurrent readers of an expired hot key share ONE revalidation', async () => {
    const a = nearClient();
    const clock = driveClock(a);
    await writer.set('popular', 'same');
    await warm(a, 'popular');
    clock.advance(MAX_AGE * 2);
    const before = stats(a);
    const mark = proxy.sent().length;
    const values = await Promise.all(Array.from({ length: 100 }, () => a.get('popular')));
    expect(new Set(values)).toEqual(new Set(['same']));
    expect(metaGets(since(mark), 'popular')).toEqual([REVALIDATION('popular')]);
    const after = stats(a);
    expect(after.revalidations - before.revalidations).toBe(1);
    expect(after.joined - before.joined).toBe(99);
  });

  it('100 concurrent readers of a changed hot key share one revalidation and one refetch', async () => {
    const a = nearClient();
    const clock = driveClock(a);
    await writer.set('changing', 'old');
    await warm(a, 'changing');
    await writer.set('changing', 'new');
    clock.advance(MAX_AGE * 2);
    const mark = proxy.sent().length;
    const values = await Promise.all(Array.from({ length: 100 }, () => a.get('changing')));
    expect(new Set(values)).toEqual(new Set(['new']));
    expect(metaGets(since(mark), 'changing')).toEqual([REVALIDATION('changing'), FETCH('changing')]);
    // The refetched value is cached although memcached had not seen it read before (h0).
    expect(await a.get('changing')).toBe('new');
    expect(metaGets(since(mark), 'changing')).toHaveLength(2);
  });

  it('a reader with its own timeout or signal neither joins nor is joined', async () => {
    const a = nearClient();
    const clock = driveClock(a);
    await writer.set('own', 'v');
    await warm(a, 'own');
    clock.advance(MAX_AGE * 2);
    const mark = proxy.sent().length;
    const signal = new AbortController().signal;
    await Promise.all([
      a.get('own', { timeout: 5000 }),
      a.get('own', { signal }),
      a.get('own'),
      a.get('own'),
    ]);
    expect(metaGets(since(mark), 'own')).toEqual([
      REVALIDATION('own'),
      REVALIDATION('own'),
      REVALIDATION('own'),
    ]);
  });

  it('refresh-ahead: past 3/4 of maxAge a read is still answered locally and revalidates in the background', async () => {
    const a = nearClient();
    const clock = driveClock(a);
    await writer.set('steady', 'v');
    await warm(a, 'steady');
    clock.advance(MAX_AGE * 0.8);
    const mark = proxy.sent().length;
    const hitsBefore = stats(a).hits;
    expect(await a.get('steady')).toBe('v');
    expect(stats(a).hits).toBe(hitsBefore + 1); // answered from the entry
    await settle();
    expect(metaGets(since(mark), 'steady')).toEqual([REVALIDATION('steady')]);
    expect(stats(a)).toMatchObject({ refreshed: 1, unchanged: 1 });
    clock.advance(MAX_AGE * 0.5); // 1.3 maxAge after the fetch, 0.5 after the revalidation: fresh
    expect(await a.get('steady')).toBe('v');
    expect(metaGets(since(mark), 'steady')).toHaveLength(1);
  });

  it('getMulti and getsMulti answer cached keys locally and fetch only the rest', async () => {
    const a = nearClient();
    await writer.setMulti({ m1: 'a', m2: 'b', m3: 'c' });
    await warm(a, 'm1');
    await warm(a, 'm2');
    const mark = proxy.sent().length;
    const got = await a.getMulti(['m1', 'm2', 'm3', 'm4']);
    expect(Object.fromEntries(got)).toEqual({ m1: 'a', m2: 'b', m3: 'c' });
    const sent = since(mark);
    expect(metaGets(sent, 'm1')).toEqual([]);
    expect(metaGets(sent, 'm3')).toEqual([`${FETCH('m3')} q`]);
    expect(metaGets(sent, 'm4')).toEqual([`${FETCH('m4')} q`]);
    // m3 was read before (by that getMulti): the next read admits it, from getsMulti too.
    const withCas = await a.getsMulti(['m1', 'm3']);
    expect(withCas.get('m1')?.value).toBe('a');
    expect(typeof withCas.get('m1')?.cas).toBe('bigint');
    expect(await a.getMulti(['m3'])).toEqual(new Map([['m3', 'c']]));
    expect(metaGets(since(mark), 'm3')).toHaveLength(2);
    expect(await a.getMulti(['m1', 'm2'])).toEqual(
      new Map([
        ['m1', 'a'],
        ['m2', 'b'],
      ]),
    );
  });

  it('gets from the cache carries the entry CAS, which cas() honours; a stale CAS loses and evicts', async () => {
    const a = nearClient();
    await writer.set('c', 'v1');
    await warm(a, 'c');
    const hit = await a.gets<string>('c');
    expect(hit?.value).toBe('v1');
    expect(await a.cas('c', 'v2', hit!.cas)).toBe(true);
    expect(await a.get('c')).toBe('v2'); // seen at once: the write evicted the entry

    await warm(a, 'c');
    const old = await a.gets<string>('c');
    await writer.set('c', 'elsewhere'); // another process: the cached CAS is stale now
    expect((await a.gets<string>('c'))?.cas).toBe(old!.cas); // within maxAge, still served
    expect(await a.cas('c', 'mine', old!.cas)).toBe(false); // memcached refuses it: nothing lost
    expect(await a.get('c')).toBe('elsewhere'); // the failed write evicted the entry
  });

  it('objects and buffers are decoded afresh for every reader: mutating one changes no other read', async () => {
    const a = nearClient();
    await writer.set('obj', { n: 1, list: [1] });
    await writer.set('buf', Buffer.from('bytes'));
    await warm(a, 'obj');
    await warm(a, 'buf');
    const o = await a.get<{ n: number; list: number[] }>('obj');
    o!.n = 2;
    o!.list.push(2);
    expect(await a.get('obj')).toEqual({ n: 1, list: [1] });
    const b = await a.get<Buffer>('buf');
    b!.fill(0);
    expect((await a.get<Buffer>('buf'))?.toString()).toBe('bytes');
  });

  it('caches only items that outlive maxAge on the server (TTL > maxAge + 1 s, or none)', async () => {
    const a = nearClient();
    await writer.set('short', 'v', { ttl: 2 });
    await writer.set('long', 'v', { ttl: 60 });
    for (let i = 0; i < 3; i++) await a.get('short');
    expect(stats(a).admitted).toBe(0);
    await warm(a, 'long');
  });

  it('views of the client share the cache by wire key: keyPrefix, withKeyOptions, binary keys', async () => {
    const a = nearClient({ keyPrefix: 'app:' });
    const view = a.withKeyOptions({ keyPrefix: 'app:v:' });
    await writer.set('app:v:k', 'shared');
    await warm(view, 'k');
    const mark = proxy.sent().length;
    expect(await a.get('v:k')).toBe('shared'); // the same wire key app:v:k
    expect(metaGets(since(mark), 'app:v:k')).toEqual([]);
    await view.set('k', 'changed'); // a write through the view drops the entry for both
    expect(await a.get('v:k')).toBe('changed');

    const bin = Uint8Array.from([0, 1, 2, 255]);
    await a.set(bin, 'binary');
    await warm(a, bin);
    const mark2 = proxy.sent().length;
    expect(await a.get(bin)).toBe('binary');
    expect(since(mark2)).not.toContain('mg ');
    const auto = a.withKeyOptions({ keyMapping: 'auto' });
    expect(await auto.get('a key with spaces')).toBeUndefined(); // a miss is never cached…
    await auto.set('a key with spaces', 'mapped');
    await warm(auto, 'a key with spaces');
    const mark3 = proxy.sent().length;
    expect(await auto.get('a key with spaces')).toBe('mapped'); // …a mapped hit is
    expect(since(mark3)).not.toContain('mg ');
  });

  it('reports near-cache hits on the tracing channel', async () => {
    const a = nearClient();
    await writer.setMulti({ t1: 'x', t2: 'y' });
    await warm(a, 't1');
    const traces: CommandTrace[] = [];
    const channel = diagnostics.tracingChannel<string, CommandTrace>(TRACING_CHANNELS.command);
    const handlers = {
      start: (c: CommandTrace) => void traces.push(c),
      end() {},
      asyncStart() {},
      asyncEnd() {},
      error() {},
    };
    channel.subscribe(handlers);
    try {
      await a.get('t1');
      await a.get('t2');
      await a.getMulti(['t1', 't2']);
      await a.set('t1', 'z');
    } finally {
      channel.unsubscribe(handlers);
    }
    expect(traces.map((t) => [t.operation, t.nearCacheHits])).toEqual([
      ['get', 1],
      ['get', 0],
      ['getMulti', 1],
      ['set', undefined],
    ]);
    expect(traces[0]!.hits).toBe(1);
  });
});
