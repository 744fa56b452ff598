import { describe, expect, it } from 'vitest';
import type { Sample } from '../src/stats/sample';
import { num, summarize, summarizeServer, totalsOf } from '../src/stats/summary';

const base = {
  version: '1.6.18',
  uptime: '100',
  curr_items: '10',
  total_items: '20',
  bytes: '1000',
  limit_maxbytes: '67108864',
  get_hits: '30',
  get_misses: '10',
  evictions: '2',
  curr_connections: '5',
  cmd_get: '40',
  cmd_set: '20',
  cmd_touch: '0',
  delete_hits: '1',
  delete_misses: '1',
  incr_hits: '0',
  incr_misses: '0',
  decr_hits: '0',
  decr_misses: '0',
};

function sample(mono: number, servers: Sample['servers']): Sample {
  return { at: 1_700_000_000_000 + mono, mono, servers };
}

describe('num', () => {
  it('reads numbers and leaves missing or non-numeric stats undefined', () => {
    expect(num({ a: '42', b: '', c: 'x' }, 'a')).toBe(42);
    expect(num({ a: '42', b: '', c: 'x' }, 'b')).toBeUndefined();
    expect(num({ a: '42', b: '', c: 'x' }, 'c')).toBeUndefined();
    expect(num({}, 'a')).toBeUndefined();
    expect(num(undefined, 'a')).toBeUndefined();
  });
});

describe('summarizeServer', () => {
  it('computes the lifetime figures of one sample', () => {
    const s = summarizeServer({ server: 'a:1', stats: base });
    expect(s).toMatchObject({
      up: true,
      version: '1.6.18',
      currItems: 10,
      bytes: 1000,
      limitMaxbytes: 67108864,
      getHits: 30,
      getMisses: 10,
      hitRatio: 0.75,
      evictions: 2,
      currConnections: 5,
      ops: 62,
    });
    expect(s.opsPerSec).toBeUndefined();
  });

  it('computes per-second rates against the previous sample', () => {
    const next = {
      ...base,
      uptime: '102',
      cmd_get: '240',
      cmd_set: '60',
      get_hits: '180',
      get_misses: '60',
      evictions: '6',
    };
    const s = summarizeServer({ server: 'a:1', stats: next }, { server: 'a:1', stats: base }, 2);
    expect(s.opsPerSec).toBe(120); // (200 gets + 40 sets) / 2 s
    expect(s.getsPerSec).toBe(100);
    expect(s.setsPerSec).toBe(20);
    expect(s.hitsPerSec).toBe(75);
    expect(s.missesPerSec).toBe(25);
    expect(s.intervalHitRatio).toBe(0.75);
    expect(s.evictionsPerSec).toBe(2);
  });

  it('gives no rates across a restart (uptime went down)', () => {
    const restarted = { ...base, uptime: '1', cmd_get: '500' };
    const s = summarizeServer({ server: 'a:1', stats: restarted }, { server: 'a:1', stats: base }, 1);
    expect(s.opsPerSec).toBeUndefined();
    expect(s.getsPerSec).toBeUndefined();
  });

  it('leaves figures a server does not report undefined', () => {
    const s = summarizeServer({ server: 'b:2', stats: { curr_items: '3', cmd_get: '4' } });
    expect(s.up).toBe(true);
    expect(s.currItems).toBe(3);
    expect(s.ops).toBe(4);
    expect(s.version).toBeUndefined();
    expect(s.evictions).toBeUndefined();
    expect(s.hitRatio).toBeUndefined();
    expect(s.limitMaxbytes).toBeUndefined();
  });

  it('marks a server without stats as down with its reason', () => {
    const s = summarizeServer({ server: 'c:3', error: 'connect ECONNREFUSED', errorCode: 'ERR_CONNECT' });
    expect(s).toEqual({ server: 'c:3', up: false, error: 'connect ECONNREFUSED' });
  });
});

describe('summarize and totals', () => {
  it('sums servers that are up and weighs the pool hit ratio by gets', () => {
    const first = sample(0, [
      { server: 'a:1', stats: base },
      { server: 'b:2', stats: { ...base, get_hits: '0', get_misses: '0', cmd_get: '0' } },
      { server: 'c:3', error: 'down' },
    ]);
    const second = sample(1000, [
      { server: 'a:1', stats: { ...base, uptime: '101', get_hits: '120', get_misses: '10', cmd_get: '130' } },
      { server: 'b:2', stats: { ...base, uptime: '101', get_hits: '0', get_misses: '10', cmd_get: '10' } },
      { server: 'c:3', error: 'down' },
    ]);
    const summary = summarize(second, first);
    expect(summary.intervalSeconds).toBe(1);
    const t = summary.totals;
    expect(t.serversUp).toBe(2);
    expect(t.serversDown).toBe(1);
    expect(t.currItems).toBe(20);
    expect(t.limitMaxbytes).toBe(2 * 67108864);
    expect(t.getsPerSec).toBe(100);
    expect(t.opsPerSec).toBe(100);
    // 90 hits of 100 gets in the interval, across both servers.
    expect(t.intervalHitRatio).toBeCloseTo(0.9, 10);
    expect(t.hitRatio).toBeCloseTo(120 / 140, 10);
  });

  it('has undefined totals when no server reports a figure', () => {
    const t = totalsOf([{ server: 'x', up: true }]);
    expect(t.serversUp).toBe(1);
    expect(t.bytes).toBeUndefined();
    expect(t.hitRatio).toBeUndefined();
  });
});
