import { Client } from '@memkit/client';
import { type MemcachedInstance, startMemcachedCluster } from '@memkit/testing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Otel, parentOf, setupOtel, withParent } from './helpers/otel';

let cluster: MemcachedInstance[];
let client: Client;
let otel: Otel;

beforeAll(async () => {
  cluster = await startMemcachedCluster(3);
  otel = setupOtel();
  client = new Client({ servers: cluster.map((m) => m.address), timeout: 1000 });
});
afterAll(async () => {
  await client.close();
  await otel.shutdown();
  await Promise.all(cluster.map((m) => m.stop()));
});
beforeEach(() => otel.spans.reset());

const keys = Array.from({ length: 90 }, (_, i) => `item-${i}`);

/** The call's span and its batch spans (children), checked for shape. */
function callWithBatches(name: string, parentId?: string): { call: ReadableSpan; batches: ReadableSpan[] } {
  const spans = otel.finished();
  const calls = spans.filter((s) => s.name === name);
  expect(calls.length).toBe(1);
  const call = calls[0]!;
  expect(parentOf(call)).toBe(parentId);
  const batches = spans.filter((s) => parentOf(s) === call.spanContext().spanId);
  expect(batches.length).toBe(3);
  const ports = batches.map((b) => b.attributes['server.port']).sort();
  expect(ports).toEqual(cluster.map((m) => m.port).sort());
  for (const b of batches) {
    expect(b.kind).toBe(SpanKind.CLIENT);
    expect(b.spanContext().traceId).toBe(call.spanContext().traceId);
    expect(b.name).toBe(`${name} 127.0.0.1:${b.attributes['server.port']}`);
    expect(b.attributes['db.system.name']).toBe('memcached');
    expect(b.attributes['db.operation.name']).toBe(name);
    expect(b.attributes['server.address']).toBe('127.0.0.1');
  }
  // A call served by several servers names none of them itself.
  expect(call.attributes['server.address']).toBeUndefined();
  expect(call.attributes['memkit.server.count']).toBe(3);
  return { call, batches };
}

describe('calls that span 3 servers: one child span per server batch', () => {
  it('setMulti, getMulti and deleteMulti split their keys over the batches', async () => {
    const { id } = await withParent(otel, 'request', async () => {
      await client.setMulti(keys.map((k) => [k, 'v'] as const));
      await client.getMulti(keys);
      await client.deleteMulti(keys);
    });
    for (const name of ['setMulti', 'getMulti', 'deleteMulti']) {
      const { call, batches } = callWithBatches(name, id);
      expect(call.attributes['db.operation.batch.size']).toBe(90);
      const sizes = batches.map((b) => b.attributes['db.operation.batch.size'] as number);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(90);
      for (const size of sizes) expect(size).toBeGreaterThan(1);
    }
    const get = otel.finished().find((s) => s.name === 'getMulti')!;
    expect([get.attributes['memkit.hits'], get.attributes['memkit.misses']]).toEqual([90, 0]);
  });

  it('stats, version and flushAll have one batch per server and no batch size', async () => {
    await client.stats();
    await client.version();
    await client.flushAll();
    for (const name of ['stats', 'version', 'flushAll']) {
      const { call, batches } = callWithBatches(name);
      expect(call.attributes['db.operation.batch.size']).toBeUndefined();
      for (const b of batches) expect(b.attributes['db.operation.batch.size']).toBeUndefined();
    }
  });

  it('single-key calls carry the one server that served them and have no children', async () => {
    await client.set('solo', 1);
    const span = otel.finished()[0]!;
    expect(span.name).toBe('set');
    const [, port] = client.serverFor('solo').split(':');
    expect(span.attributes['server.port']).toBe(Number(port));
    expect(otel.finished().filter((s) => parentOf(s) === span.spanContext().spanId)).toEqual([]);
  });

  it("a server that stops answering fails its batch span with ERR_TIMEOUT; the others' batches succeed", async () => {
    await client.setMulti(keys.map((k) => [k, 'v'] as const));
    const stopped = cluster[1]!;
    const { freeze, thaw } = await import('./helpers/signals');
    await freeze(stopped);
    otel.spans.reset();
    try {
      await client.getMulti(keys).catch((err: unknown) => err);
    } finally {
      await thaw(stopped);
    }
    const spans = otel.finished();
    const call = spans.find((s) => s.name === 'getMulti')!;
    const batches = spans.filter((s) => parentOf(s) === call.spanContext().spanId);
    expect(batches.length).toBe(3);
    const failed = batches.filter((b) => b.status.code === SpanStatusCode.ERROR);
    expect(failed.map((b) => b.attributes['server.port'])).toEqual([stopped.port]);
    expect(failed[0]!.attributes['error.type']).toBe('ERR_TIMEOUT');
    for (const b of batches.filter((x) => x !== failed[0])) expect(b.status.code).toBe(SpanStatusCode.UNSET);
  });
});
