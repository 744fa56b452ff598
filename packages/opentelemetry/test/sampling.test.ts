import { Client } from '@memkit/client';
import { type MemcachedInstance, startMemcachedCluster } from '@memkit/testing';
import { type Attributes, type Context, SpanKind } from '@opentelemetry/api';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { type Sampler, SamplingDecision, type SamplingResult } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { points, setupOtel } from './helpers/otel';

/**
 * Records only spans whose name has a space (the per-server batch spans), whatever their parent:
 * a sampler that would trace the batches of a call it did not trace.
 */
const batchesOnly: Sampler = {
  shouldSample(
    _ctx: Context,
    _traceId: string,
    name: string,
    _kind: SpanKind,
    _attrs: Attributes,
  ): SamplingResult {
    return {
      decision: name.includes(' ') ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD,
    };
  },
  toString: () => 'batchesOnly',
};

let cluster: MemcachedInstance[];
let client: Client;
beforeAll(async () => {
  cluster = await startMemcachedCluster(3);
  client = new Client({ servers: cluster.map((m) => m.address), timeout: 2000 });
  await client.setMulti([
    ['s1', 'a'],
    ['s2', 'b'],
    ['s3', 'c'],
  ]);
});
afterAll(async () => {
  await client.close();
  await Promise.all(cluster.map((m) => m.stop()));
});

/** count and sum of the duration histogram's points for `operation`. */
function durations(m: HistogramMetricData | undefined, operation: string): { count: number; sum: number } {
  let count = 0;
  let sum = 0;
  for (const p of points(m, { 'db.operation.name': operation })) {
    const v = p.value as { count: number; sum: number };
    count += v.count;
    sum += v.sum;
  }
  return { count, sum };
}

describe('calls the sampler does not record', () => {
  it('get no key hook and no batch spans, and their durations are still measured', async () => {
    const keyed: unknown[] = [];
    const keyAttribute = (k: string | Uint8Array) => {
      keyed.push(k);
      return 'k';
    };
    const otel = setupOtel({ keyAttribute }, batchesOnly);
    try {
      expect(await client.getMulti(['s1', 's2', 's3', 'nope'])).toEqual(
        new Map([
          ['s1', 'a'],
          ['s2', 'b'],
          ['s3', 'c'],
        ]),
      );
      expect(await client.get('s1')).toBe('a');
      expect(otel.finished()).toEqual([]);
      expect(keyed).toEqual([]);
      const m = (await otel.metrics()).get('db.client.operation.duration') as HistogramMetricData;
      for (const op of ['getMulti', 'get']) {
        const d = durations(m, op);
        expect(d.count).toBe(1);
        expect(d.sum).toBeGreaterThan(0);
        expect(d.sum).toBeLessThan(2);
      }
    } finally {
      await otel.shutdown();
    }
  });
});

describe('calls the SDK records', () => {
  it("record the span's own duration in db.client.operation.duration", async () => {
    const otel = setupOtel();
    try {
      await client.get('s2');
      await client.getMulti(['s1', 's2', 's3']);
      const m = (await otel.metrics()).get('db.client.operation.duration') as HistogramMetricData;
      for (const op of ['get', 'getMulti']) {
        const span = otel.finished().find((s) => s.name === op && s.kind === SpanKind.CLIENT);
        expect(span).toBeDefined();
        const [s, ns] = span!.duration;
        expect(durations(m, op)).toEqual({ count: 1, sum: s + ns / 1e9 });
      }
    } finally {
      await otel.shutdown();
    }
  });
});
