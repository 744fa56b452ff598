/**
 * End to end with supertest against a real memcached: first request misses,
 * the second hits, 20 concurrent cold requests run the slow loader once (and
 * so do two app instances with their own clients racing on one URL, a 1 KB
 * URL included), every query string is its own entry, clear() forces a
 * reload; and the started app on its embedded @memkit/server.
 */
import { createKeyv } from '@memkit/keyv';
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import type { Keyv } from 'keyv';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { startKeyvCache } from '../src/main';

const SLOW_MS = 300;
let memcached: MemcachedInstance;
const opened: Keyv[] = [];

beforeAll(async () => {
  memcached = await startMemcached();
});
afterAll(async () => {
  await Promise.all(opened.map((k) => k.disconnect()));
  await memcached.stop();
});

/** An app instance with its own client and Keyv, as a separate process would have. */
function instance(namespace: string, log?: (line: string) => void) {
  const keyv = createKeyv([memcached.address], { namespace });
  opened.push(keyv);
  return createApp({ keyv, slowMs: SLOW_MS, ...(log ? { log } : {}) });
}

describe('GET /api/report/:id', () => {
  it('misses first (runs the slow loader), then hits', async () => {
    const { app, stats } = instance('e2e-basic');
    const first = await request(app).get('/api/report/r1').expect(200);
    expect(first.body.cache).toBe('miss');
    expect(first.headers['x-cache']).toBe('MISS');
    expect(first.headers['server-timing']).toMatch(/^cache;desc="miss";dur=\d+(\.\d)?$/);
    expect(first.body.ms).toBeGreaterThanOrEqual(SLOW_MS - 5);

    const second = await request(app).get('/api/report/r1').expect(200);
    expect(second.body.cache).toBe('hit');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body.ms).toBeLessThan(SLOW_MS / 2);
    expect(second.body.report).toEqual(first.body.report);
    expect(stats).toMatchObject({ hits: 1, misses: 1, shared: 0, loads: 1 });
  });

  it('runs the slow loader once for 20 concurrent cold requests', async () => {
    const { app, stats } = instance('e2e-burst');
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => request(app).get('/api/report/hot').expect(200)),
    );
    expect(stats.loads).toBe(1);
    const statuses = responses.map((r) => r.body.cache as string);
    expect(statuses.filter((s) => s === 'miss')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'shared')).toHaveLength(19);
    expect(new Set(responses.map((r) => r.body.report.builtAt)).size).toBe(1);
    expect((await request(app).get('/api/report/hot')).body.cache).toBe('hit');
    expect(stats.loads).toBe(1);
  });

  it.each([
    ['a short URL', '/api/report/race'],
    ['a 1 KB URL', `/api/report/race?q=${'long-query-'.repeat(90)}`],
  ])(
    'two app instances racing on %s load it once between them (memcached elects the loader)',
    async (_, url) => {
      const lines: string[] = [];
      const a = instance('e2e-race', (l) => lines.push(l));
      const b = instance('e2e-race', (l) => lines.push(l));
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => request(i % 2 === 0 ? a.app : b.app).get(url)),
      );
      expect(a.stats.loads + b.stats.loads).toBe(1);
      expect(lines.filter((l) => l.startsWith('LOAD '))).toHaveLength(1);
      expect(new Set(responses.map((r) => r.body.report.builtAt)).size).toBe(1);
      expect(responses.filter((r) => r.body.cache === 'miss')).toHaveLength(1);
      // The instance that did not load shows 0 loads on its page.
      const idle = a.stats.loads === 0 ? a.app : b.app;
      expect((await request(idle).get('/')).text).toContain('The slow loader ran <b>0</b> times');
    },
  );

  it('keys by URL: each query string is its own entry', async () => {
    const { app, stats } = instance('e2e-query');
    const eu = await request(app).get('/api/report/q?region=eu').expect(200);
    const us = await request(app).get('/api/report/q?region=us').expect(200);
    expect([eu.body.cache, us.body.cache]).toEqual(['miss', 'miss']);
    expect(eu.body.report.query).toBe('region=eu');
    expect((await request(app).get('/api/report/q?region=eu')).body.report).toEqual(eu.body.report);
    expect(stats.loads).toBe(2);
  });

  it('clear() empties the namespace: the next request loads again', async () => {
    const { app, stats } = instance('e2e-clear');
    await request(app).get('/api/report/c').expect(200);
    expect((await request(app).post('/api/clear').expect(200)).body).toEqual({ cleared: 'e2e-clear' });
    expect((await request(app).get('/api/report/c')).body.cache).toBe('miss');
    expect(stats.loads).toBe(2);
  });

  it('rejects ids that are not plain slugs', async () => {
    const { app } = instance('e2e-bad');
    await request(app).get('/api/report/Not%20Valid').expect(400);
  });

  it('lists recent requests with their cache status on the home page and in /api/stats', async () => {
    const { app } = instance('e2e-page');
    await request(app).get('/api/report/p');
    await request(app).get('/api/report/p');
    const page = await request(app).get('/').expect(200).expect('content-type', /html/);
    expect(page.text).toContain('<tr class="hit"><td>');
    expect(page.text).toContain('<tr class="miss"><td>');
    const stats = await request(app).get('/api/stats').expect(200);
    expect(stats.body.recent.map((r: { cache: string }) => r.cache)).toEqual(['hit', 'miss']);
  });

  it('answers 503 with the error code when memcached is unreachable', async () => {
    const keyv = createKeyv(['127.0.0.1:1'], { namespace: 'down' });
    keyv.on('error', () => undefined);
    opened.push(keyv);
    const { app } = createApp({ keyv, slowMs: 1 });
    const res = await request(app).get('/api/report/x').expect(503);
    expect(res.body).toEqual({ error: 'cache unavailable', code: 'ERR_CONNECT' });
  });
});

describe('startKeyvCache', () => {
  it('runs on an embedded @memkit/server when no servers are given', async () => {
    const lines: string[] = [];
    const running = await startKeyvCache({ port: 0, servers: [], slowMs: 50, log: (l) => lines.push(l) });
    try {
      expect(running.embedded).toBe(true);
      expect(lines[0]).toBe(`keyv-cache: ${running.url}`);
      const base = running.url.replace(/\/$/, '');
      expect((await request(base).get('/api/report/e')).body.cache).toBe('miss');
      expect((await request(base).get('/api/report/e')).body.cache).toBe('hit');
      expect(lines.some((l) => /GET \/api\/report\/e HIT\s+\d+\.\d ms/.test(l))).toBe(true);
    } finally {
      await running.close();
    }
  });

  it('runs on the given memcached servers', async () => {
    const running = await startKeyvCache({
      port: 0,
      servers: [memcached.address],
      slowMs: 50,
      log: () => {},
    });
    try {
      expect(running.embedded).toBe(false);
      const base = running.url.replace(/\/$/, '');
      expect((await request(base).get('/api/report/m')).body.cache).toBe('miss');
      expect(await running.keyv.get('/api/report/m')).toMatchObject({ id: 'm' });
    } finally {
      await running.close();
    }
  });
});
