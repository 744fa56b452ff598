import diagnostics from 'node:diagnostics_channel';
import { Client } from '@memkit/client';
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Otel, parentOf, setupOtel, total } from './helpers/otel';

let server: MemcachedInstance;
let otel: Otel;
// Two clients stand for two processes: they share nothing but memcached.
let a: Client;
let b: Client;

beforeAll(async () => {
  server = await startMemcached();
  otel = setupOtel();
  a = new Client({ servers: [server.address] });
  b = new Client({ servers: [server.address] });
});
afterAll(async () => {
  await a.close();
  await b.close();
  await otel.shutdown();
  await server.stop();
});
beforeEach(async () => {
  await a.flushAll();
  otel.spans.reset();
});

/** A loader that runs until `release()`, and tells when it started. */
function gate<T>(value: T) {
  let release!: () => void;
  let started!: () => void;
  const running = new Promise<void>((r) => {
    started = r;
  });
  const released = new Promise<void>((r) => {
    release = r;
  });
  const loader = async () => {
    started();
    await released;
    return value;
  };
  return { loader, running, release };
}

/** Resolves when the next request of `command` got its reply (per-request legacy channel). */
function requestAnswered(command: string): Promise<void> {
  return new Promise((resolve) => {
    const onEnd = (message: unknown) => {
      if ((message as { command: string }).command !== command) return;
      diagnostics.unsubscribe('memkit:command:end', onEnd);
      resolve();
    };
    diagnostics.subscribe('memkit:command:end', onEnd);
  });
}

function outcomes(): Array<string | undefined> {
  return otel
    .finished()
    .filter((s) => s.name === 'getOrSet')
    .map((s) => s.attributes['memkit.get_or_set.outcome'] as string | undefined);
}

function getOrSetSpans(): ReadableSpan[] {
  return otel.finished().filter((s) => s.name === 'getOrSet');
}

describe('getOrSet outcome on the span (meta protocol)', () => {
  it('hit: the value was there', async () => {
    await a.set('present', 'v');
    otel.spans.reset();
    expect(await a.getOrSet('present', () => 'never')).toBe('v');
    expect(outcomes()).toEqual(['hit']);
    const span = getOrSetSpans()[0]!;
    expect([span.attributes['memkit.hits'], span.attributes['memkit.misses']]).toEqual([1, 0]);
  });

  it('won: this caller loaded; the loader runs with the getOrSet span active', async () => {
    let activeInLoader: string | undefined;
    await a.getOrSet('cold', () => {
      activeInLoader = trace.getActiveSpan()?.spanContext().spanId;
      // The loader's own work nests under getOrSet.
      otel.tracer.startSpan('load from db').end();
      return 1;
    });
    expect(outcomes()).toEqual(['won']);
    const span = getOrSetSpans()[0]!;
    expect(activeInLoader).toBe(span.spanContext().spanId);
    const load = otel.finished().find((s) => s.name === 'load from db')!;
    expect(parentOf(load)).toBe(span.spanContext().spanId);
    expect([span.attributes['memkit.hits'], span.attributes['memkit.misses']]).toEqual([0, 1]);
  });

  it('waited: another process was loading; this one waited for its value', async () => {
    const g = gate('from-a');
    const first = a.getOrSet('busy', g.loader, { ttl: 60 });
    await g.running;
    // b's first reply is in once its request ends: it saw a's placeholder, so it waits.
    const answered = requestAnswered('getOrSet');
    const second = b.getOrSet('busy', () => 'never', { ttl: 60 });
    await answered;
    g.release();
    expect(await first).toBe('from-a');
    expect(await second).toBe('from-a');
    expect(outcomes().sort()).toEqual(['waited', 'won']);
  });

  it('waited: a concurrent call in the same process shares the first one', async () => {
    const g = gate('shared');
    const first = a.getOrSet('joined', g.loader);
    const second = a.getOrSet('joined', () => 'never');
    await g.running;
    g.release();
    await Promise.all([first, second]);
    expect(outcomes().sort()).toEqual(['waited', 'won']);
  });

  it('stale: inside the staleTtl window another caller refreshes; this one gets the current value', async () => {
    await a.set('hot', 'old', { ttl: 5 });
    const g = gate('new');
    const refresher = a.getOrSet('hot', g.loader, { ttl: 60, staleTtl: 30 });
    await g.running;
    expect(await b.getOrSet('hot', () => 'never', { ttl: 60, staleTtl: 30 })).toBe('old');
    g.release();
    expect(await refresher).toBe('new');
    expect(outcomes().sort()).toEqual(['stale', 'won']);
    const stale = getOrSetSpans().find((s) => s.attributes['memkit.get_or_set.outcome'] === 'stale')!;
    expect(stale.attributes['memkit.hits']).toBe(1);
  });

  it('timeout: waited past waitTimeout, then loaded itself', async () => {
    const g = gate('slow');
    const first = a.getOrSet('stuck', g.loader);
    await g.running;
    expect(await b.getOrSet('stuck', () => 'impatient', { waitTimeout: 20 })).toBe('impatient');
    g.release();
    await first;
    expect(outcomes().sort()).toEqual(['timeout', 'won']);
  });

  it('counts outcomes, hits and misses in metrics', async () => {
    const before = await otel.metrics();
    const count = (m: typeof before, outcome: string) =>
      total(m.get('memkit.client.get_or_set.outcomes'), { 'memkit.get_or_set.outcome': outcome });
    const wonBefore = count(before, 'won');
    const hitBefore = count(before, 'hit');
    await a.getOrSet('m', () => 1);
    await a.getOrSet('m', () => 2);
    await a.getOrSet('m', () => 3);
    const after = await otel.metrics();
    expect(count(after, 'won') - wonBefore).toBe(1);
    expect(count(after, 'hit') - hitBefore).toBe(2);
    const hits = total(after.get('memkit.client.hits'), { 'db.operation.name': 'getOrSet' });
    const misses = total(after.get('memkit.client.misses'), { 'db.operation.name': 'getOrSet' });
    expect(hits).toBeGreaterThanOrEqual(2);
    expect(misses).toBeGreaterThanOrEqual(1);
  });
});

describe('getOrSet outcome (text protocol)', () => {
  it('hit and won', async () => {
    const text = new Client({ servers: [server.address], protocol: 'text' });
    try {
      await text.getOrSet('t', () => 'x');
      await text.getOrSet('t', () => 'y');
      expect(outcomes()).toEqual(['won', 'hit']);
    } finally {
      await text.close();
    }
  });
});
