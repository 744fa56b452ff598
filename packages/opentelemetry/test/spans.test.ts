import { Client } from '@memkit/client';
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Otel, setupOtel } from './helpers/otel';

let server: MemcachedInstance;
let otel: Otel;

beforeAll(async () => {
  server = await startMemcached();
  otel = setupOtel();
});
afterAll(async () => {
  await otel.shutdown();
  await server.stop();
});
beforeEach(() => otel.spans.reset());

function only(name: string): ReadableSpan {
  const found = otel.finished().filter((s) => s.name === name);
  expect(found.map((s) => s.name)).toEqual([name]);
  return found[0]!;
}

describe.each(['meta', 'text'] as const)('one CLIENT span per call (%s protocol)', (protocol) => {
  let client: Client;
  beforeAll(() => {
    client = new Client({ servers: [server.address], protocol });
  });
  afterAll(() => client.close());

  it('every command kind is a span named after its method, with the database conventions', async () => {
    await client.flushAll();
    await client.set('k', 'secret-value-1', { ttl: 60 });
    await client.add('k2', 'v');
    await client.replace('k2', 'v2');
    await client.append('k2', 'a');
    await client.prepend('k2', 'p');
    const got = await client.gets('k');
    await client.cas('k', 'secret-value-2', got!.cas);
    await client.get('k');
    await client.gat('k', 60);
    await client.gats('k', 60);
    await client.touch('k', 60);
    await client.set('n', '1');
    await client.incr('n', 5);
    await client.decr('n', 2);
    await client.getMulti(['k', 'k2', 'missing']);
    await client.setMulti({ m1: 'x', m2: 'y' });
    await client.deleteMulti(['m1', 'm2']);
    await client.delete('k');
    await client.getOrSet('gos', () => 'loaded');
    await client.stats();
    await client.version();
    await client.metadump();
    const names = otel.finished().map((s) => s.name);
    expect(names).toEqual([
      'flushAll',
      'set',
      'add',
      'replace',
      'append',
      'prepend',
      'gets',
      'cas',
      'get',
      'gat',
      'gats',
      'touch',
      'set',
      'incr',
      'decr',
      'getMulti',
      'setMulti',
      'deleteMulti',
      'delete',
      'getOrSet',
      'stats',
      'version',
      'metadump',
    ]);
    for (const span of otel.finished()) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.instrumentationScope.name).toBe('@memkit/opentelemetry');
      expect(span.attributes['db.system.name']).toBe('memcached');
      expect(span.attributes['db.operation.name']).toBe(span.name);
      expect(span.attributes['server.address']).toBe('127.0.0.1');
      expect(span.attributes['server.port']).toBe(server.port);
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.parentSpanContext).toBeUndefined();
    }
    // Keys and values are never recorded by default.
    const dump = JSON.stringify(otel.finished().map((s) => [s.name, s.attributes, s.events]));
    for (const secret of ['secret-value', '"k"', 'k2', 'missing', 'gos', 'loaded', 'm1']) {
      expect(dump).not.toContain(secret);
    }
  });

  it('retrievals record hits and misses; multi-key calls their batch size', async () => {
    await client.set('h1', 'a');
    await client.set('h2', 'b');
    otel.spans.reset();
    await client.get('h1');
    await client.get('nope');
    await client.getMulti(['h1', 'h2', 'nope', 'nope2', 'nope3']);
    await client.getMulti(['h1']);
    await client.setMulti([['s1', 1]]);
    const [hit, miss, multi, single, setOne] = otel.finished();
    expect([hit!.attributes['memkit.hits'], hit!.attributes['memkit.misses']]).toEqual([1, 0]);
    expect([miss!.attributes['memkit.hits'], miss!.attributes['memkit.misses']]).toEqual([0, 1]);
    expect(multi!.attributes['db.operation.batch.size']).toBe(5);
    expect([multi!.attributes['memkit.hits'], multi!.attributes['memkit.misses']]).toEqual([2, 3]);
    // A batch of one is not a batch.
    expect(single!.attributes['db.operation.batch.size']).toBeUndefined();
    expect(setOne!.attributes['db.operation.batch.size']).toBeUndefined();
    expect(setOne!.attributes['memkit.hits']).toBeUndefined();
  });

  it('a server error reply fails the span with error.type = the MemkitError code', async () => {
    await client.set('text', 'not a number');
    otel.spans.reset();
    await expect(client.incr('text')).rejects.toMatchObject({ code: 'ERR_CLIENT_ERROR' });
    const span = only('incr');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('ERR_CLIENT_ERROR');
    expect(span.events.map((e) => e.name)).toContain('exception');
  });

  it('a call that throws before sending (invalid key) still gets its failed span', async () => {
    await expect(client.get('bad key')).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    const span = only('get');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('ERR_KEY_INVALID');
    // A client of one server names it from the start, even for a call that never reached it.
    expect(span.attributes['server.port']).toBe(server.port);
  });
});

describe('server errors and options', () => {
  it('SERVER_ERROR (a value over the server item size) is error.type ERR_SERVER', async () => {
    const client = new Client({ servers: [server.address], maxValueSize: 4 * 1024 * 1024 });
    try {
      await expect(client.set('big', 'x'.repeat(2 * 1024 * 1024))).rejects.toMatchObject({
        code: 'ERR_SERVER',
      });
      const span = only('set');
      expect(span.attributes['error.type']).toBe('ERR_SERVER');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.status.message).toMatch(/SERVER_ERROR/);
    } finally {
      await client.close();
    }
  });

  it('keyAttribute records a sanitized key only when given', async () => {
    await otel.shutdown();
    otel = setupOtel({
      keyAttribute: (key) => (typeof key === 'string' ? key.replace(/\d+$/, '{id}') : undefined),
    });
    const client = new Client({ servers: [server.address] });
    try {
      await client.get('user:42');
      await client.getMulti(['user:1', 'user:2', 'session:9']);
      await client.get(Buffer.from('bin'));
      const [one, multi, bin] = otel.finished();
      expect(one!.attributes['memkit.key']).toBe('user:{id}');
      expect(multi!.attributes['memkit.keys']).toEqual(['user:{id}', 'user:{id}', 'session:{id}']);
      expect(bin!.attributes['memkit.key']).toBeUndefined();
    } finally {
      await client.close();
      await otel.shutdown();
      otel = setupOtel();
    }
  });
});

describe('a client with a near cache', () => {
  it('records memkit.near_cache.hit on reads (and .hits on multi-key ones); other calls carry neither', async () => {
    const writer = new Client({ servers: [server.address] });
    const client = new Client({ servers: [server.address], nearCache: { maxAge: 60_000 } });
    try {
      await writer.set('near:1', 'a');
      await writer.set('near:2', 'b');
      await client.get('near:1'); // memcached: never read before, not cached
      await client.get('near:1'); // read before: cached
      otel.spans.reset();
      await client.get('near:1');
      await client.get('near:2');
      await client.getMulti(['near:1', 'near:2']);
      await client.getMulti(['near:1']);
      await client.set('near:3', 'c');
      const [hit, miss, partly, whole, set] = otel.finished();
      expect(hit!.attributes['memkit.near_cache.hit']).toBe(true);
      expect(hit!.attributes['memkit.hits']).toBe(1);
      expect(miss!.attributes['memkit.near_cache.hit']).toBe(false);
      expect(hit!.attributes['memkit.near_cache.hits']).toBeUndefined();
      expect(partly!.attributes['memkit.near_cache.hit']).toBe(false);
      expect(partly!.attributes['memkit.near_cache.hits']).toBe(1);
      expect(whole!.attributes['memkit.near_cache.hit']).toBe(true);
      expect(set!.attributes['memkit.near_cache.hit']).toBeUndefined();
    } finally {
      await client.close();
      await writer.close();
    }
  });

  it('a client without one records no near-cache attribute', async () => {
    const client = new Client({ servers: [server.address] });
    try {
      await client.get('near:1');
      expect(only('get').attributes['memkit.near_cache.hit']).toBeUndefined();
    } finally {
      await client.close();
    }
  });
});
