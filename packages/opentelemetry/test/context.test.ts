import { Client } from '@memkit/client';
import { type MemcachedInstance, startMemcachedCluster } from '@memkit/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Otel, parentOf, setupOtel, withParent } from './helpers/otel';

let cluster: MemcachedInstance[];
let otel: Otel;
let single: Client;
let multi: Client;

beforeAll(async () => {
  cluster = await startMemcachedCluster(3);
  // Keys are recorded here (opt-in) only to tell which call is which.
  otel = setupOtel({ keyAttribute: (key) => String(key) });
  single = new Client({ servers: [cluster[0]!.address] });
  multi = new Client({ servers: cluster.map((m) => m.address) });
});
afterAll(async () => {
  await single.close();
  await multi.close();
  await otel.shutdown();
  await Promise.all(cluster.map((m) => m.stop()));
});
beforeEach(() => otel.spans.reset());

describe('parent/child: a call made inside an active span is its child', () => {
  it('through await, call after call', async () => {
    const { id } = await withParent(otel, 'request', async () => {
      await single.set('a', 1);
      await new Promise((r) => setTimeout(r, 1));
      await single.get('a');
      await single.getOrSet('b', async () => 2);
    });
    const children = otel.finished().filter((s) => s.name !== 'request');
    expect(children.map((s) => s.name)).toEqual(['set', 'get', 'getOrSet']);
    for (const s of children) expect(parentOf(s)).toBe(id);
    const request = otel.finished().find((s) => s.name === 'request')!;
    for (const s of children) expect(s.spanContext().traceId).toBe(request.spanContext().traceId);
  });

  it('100 concurrent pipelined gets under 100 different parents: each under its own', async () => {
    const parents = await Promise.all(
      Array.from({ length: 100 }, (_, i) => withParent(otel, `request-${i}`, () => single.get(`key-${i}`))),
    );
    const gets = otel.finished().filter((s) => s.name === 'get');
    expect(gets.length).toBe(100);
    for (const get of gets) {
      const i = Number(String(get.attributes['memkit.key']).slice('key-'.length));
      expect(parentOf(get)).toBe(parents[i]!.id);
    }
    expect(new Set(gets.map(parentOf)).size).toBe(100);
  });

  it('20 concurrent getMulti over 3 servers: batches under their call, calls under their request', async () => {
    const parents = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        withParent(otel, `request-${i}`, () =>
          multi.getMulti(Array.from({ length: 30 }, (_, j) => `r${i}-k${j}`)),
        ),
      ),
    );
    const calls = otel.finished().filter((s) => s.name === 'getMulti');
    expect(calls.length).toBe(20);
    for (const call of calls) {
      const i = Number(/^r(\d+)-/.exec((call.attributes['memkit.keys'] as string[])[0]!)![1]);
      expect(parentOf(call)).toBe(parents[i]!.id);
      const batches = otel.finished().filter((s) => parentOf(s) === call.spanContext().spanId);
      expect(batches.length).toBe(3);
      const sizes = batches.map((b) => b.attributes['db.operation.batch.size'] ?? 1) as number[];
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(30);
    }
  });

  it('a call outside any span is a root span', async () => {
    await single.get('root');
    expect(parentOf(otel.finished()[0]!)).toBeUndefined();
  });

  it('requireParentSpan: calls outside a span are not traced, inside they are', async () => {
    otel.instrumentation.setConfig({ requireParentSpan: true });
    try {
      await single.get('lonely');
      const { id } = await withParent(otel, 'request', () => single.get('accompanied'));
      const gets = otel.finished().filter((s) => s.name === 'get');
      expect(gets.length).toBe(1);
      expect(parentOf(gets[0]!)).toBe(id);
    } finally {
      otel.instrumentation.setConfig({ keyAttribute: (key) => String(key) });
    }
  });
});
