import diagnostics from 'node:diagnostics_channel';
import { Client } from '@memkit/client';
import { type MemcachedInstance, startMemcached, startMemcachedCluster } from '@memkit/testing';
import type { HistogramMetricData, MetricData } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Otel, points, setupOtel, total } from './helpers/otel';
import { freeze, thaw } from './helpers/signals';

let otel: Otel;
beforeAll(() => {
  otel = setupOtel();
});
afterAll(() => otel.shutdown());

describe('metrics', () => {
  let server: MemcachedInstance;
  let client: Client;
  beforeAll(async () => {
    server = await startMemcached();
    client = new Client({ servers: [server.address], timeout: 2000 });
  });
  afterAll(async () => {
    await client.close();
    await server.stop();
  });

  it('db.client.operation.duration: a histogram in seconds by operation and server', async () => {
    await client.set('d', 'v');
    await client.get('d');
    await client.get('d');
    const m = (await otel.metrics()).get('db.client.operation.duration') as HistogramMetricData;
    expect(m.descriptor.unit).toBe('s');
    const gets = points(m, { 'db.operation.name': 'get', 'server.port': server.port });
    expect(gets.length).toBe(1);
    const value = gets[0]!.value as { count: number; sum: number; buckets: { boundaries: number[] } };
    expect(value.count).toBe(2);
    // Seconds, not milliseconds: two local gets take far less than a second.
    expect(value.sum).toBeGreaterThan(0);
    expect(value.sum).toBeLessThan(2);
    expect(value.buckets.boundaries).toEqual([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]);
    expect(gets[0]!.attributes).toEqual({
      'db.system.name': 'memcached',
      'db.operation.name': 'get',
      'server.address': '127.0.0.1',
      'server.port': server.port,
    });
  });

  it('hits and misses of retrievals', async () => {
    const before = await otel.metrics();
    await client.set('h', 1);
    await client.getMulti(['h', 'x1', 'x2']);
    await client.get('h');
    const after = await otel.metrics();
    const delta = (name: string, op: string) =>
      total(after.get(name), { 'db.operation.name': op }) -
      total(before.get(name), { 'db.operation.name': op });
    expect(delta('memkit.client.hits', 'getMulti')).toBe(1);
    expect(delta('memkit.client.misses', 'getMulti')).toBe(2);
    expect(delta('memkit.client.hits', 'get')).toBe(1);
    expect(delta('memkit.client.misses', 'get')).toBe(0);
  });

  it('connections by state and pending requests, sampled at collection (also for a server that stalls)', async () => {
    const one = new Client({ servers: [server.address], connectionsPerServer: 1, timeout: 5000 });
    const pool = { 'db.client.connection.pool.name': server.address };
    const state = (m: Map<string, MetricData>, s: string) =>
      total(m.get('db.client.connection.count'), { ...pool, 'db.client.connection.state': s });
    try {
      await one.get('warm');
      await client.get('warm');
      let m = await otel.metrics();
      const idleBefore = state(m, 'idle');
      expect(idleBefore).toBeGreaterThanOrEqual(2);
      expect(state(m, 'used')).toBe(0);
      expect(total(m.get('db.client.connection.pending_requests'), pool)).toBe(0);
      // Two clients of the same server add up: 2 (client) + 1 (one).
      expect(total(m.get('db.client.connection.max'), pool)).toBe(3);
      await freeze(server);
      const stuck = Array.from({ length: 5 }, (_, i) => one.get(`stuck-${i}`).catch((e: unknown) => e));
      try {
        m = await otel.metrics();
        expect(total(m.get('db.client.connection.pending_requests'), pool)).toBe(5);
        expect(state(m, 'used')).toBe(1);
        expect(state(m, 'idle')).toBe(idleBefore - 1);
      } finally {
        await thaw(server);
      }
      await Promise.all(stuck);
      m = await otel.metrics();
      expect(total(m.get('db.client.connection.pending_requests'), pool)).toBe(0);
      expect(state(m, 'used')).toBe(0);
    } finally {
      await one.close();
    }
    const m = await otel.metrics();
    expect(total(m.get('db.client.connection.max'), pool)).toBe(2);
  });

  it('a client created before the instrumentation was registered is traced and sampled', async () => {
    const early = new Client({ servers: [server.address], connectionsPerServer: 3 });
    await otel.shutdown();
    otel = setupOtel();
    try {
      await early.get('early');
      expect(otel.finished().map((s) => s.name)).toEqual(['get']);
      const m = await otel.metrics();
      expect(
        total(m.get('db.client.connection.max'), { 'db.client.connection.pool.name': server.address }),
      ).toBe(5);
    } finally {
      await early.close();
    }
  });
});

describe('failover metrics', () => {
  it('counts servers marked dead and alive again, and samples how many are dead', async () => {
    const cluster = await startMemcachedCluster(3);
    const client = new Client({
      servers: cluster.map((m) => m.address),
      failureThreshold: 1,
      deadRetry: 0.2,
      connectTimeout: 500,
      timeout: 500,
    });
    const victim = cluster[2]!;
    const dead = { 'memkit.server.state': 'dead', 'server.port': victim.port };
    const alive = { 'memkit.server.state': 'alive', 'server.port': victim.port };
    try {
      const aliveAgain = once('memkit:server:alive');
      const marked = once('memkit:server:dead');
      await victim.stop();
      // Keys spread over every server: some of them hit the stopped one.
      await client.getMulti(Array.from({ length: 50 }, (_, i) => `f${i}`)).catch(() => undefined);
      await marked;
      let m = await otel.metrics();
      expect(total(m.get('memkit.client.server.transitions'), dead)).toBe(1);
      expect(total(m.get('memkit.client.servers.dead'), { 'server.port': victim.port })).toBe(1);
      await victim.restart();
      await aliveAgain;
      m = await otel.metrics();
      expect(total(m.get('memkit.client.server.transitions'), alive)).toBe(1);
      expect(total(m.get('memkit.client.servers.dead'), { 'server.port': victim.port })).toBe(0);
    } finally {
      await client.close();
      await Promise.all(cluster.map((m) => m.stop()));
    }
  });
});

function once(channel: string): Promise<void> {
  return new Promise((resolve) => {
    const fn = () => {
      diagnostics.unsubscribe(channel, fn);
      resolve();
    };
    diagnostics.subscribe(channel, fn);
  });
}
