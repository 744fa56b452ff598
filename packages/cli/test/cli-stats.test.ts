import { type MemcachedInstance, rawStats, startMemcached } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memkit } from './helpers/cli';
import { startLoad } from './helpers/load';

let a: MemcachedInstance;
let b: MemcachedInstance;
let servers: string;

beforeAll(async () => {
  [a, b] = await Promise.all([startMemcached({ memoryMb: 16 }), startMemcached({ memoryMb: 32 })]);
  servers = `${a.address},${b.address}`;
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

describe('memkit stats', () => {
  it('prints a row per server and a totals row', async () => {
    const r = await memkit(['stats', '--servers', servers, '--interval', '0']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    const header = lines.find((l) => l.includes('server'))!;
    for (const col of [
      'version',
      'uptime',
      'items',
      'memory used / limit',
      'hit ratio',
      'evictions',
      'conns',
      'ops/s',
    ]) {
      expect(header).toContain(col);
    }
    const rowA = lines.find((l) => l.includes(a.address))!;
    expect(rowA).toContain('1.6.18');
    expect(rowA).toContain('/ 16.0 MiB');
    expect(lines.find((l) => l.includes(b.address))).toContain('/ 32.0 MiB');
    expect(lines.find((l) => l.startsWith('│ total'))).toContain('/ 48.0 MiB');
  });

  it('--json parses, carries the raw stats, and matches the server', async () => {
    const r = await memkit(['stats', '--json', '--interval', '0'], { servers });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.servers.map((s: { server: string }) => s.server)).toEqual([a.address, b.address]);
    const raw = await rawStats(a);
    const sa = json.servers[0];
    expect(sa.up).toBe(true);
    expect(sa.version).toBe(raw.version);
    expect(sa.limitMaxbytes).toBe(16 * 1024 * 1024);
    expect(sa.stats.pid).toBe(raw.pid);
    expect(sa.opsPerSec).toBeNull(); // one sample: no rate
    expect(json.totals.serversUp).toBe(2);
    expect(json.totals.limitMaxbytes).toBe(48 * 1024 * 1024);
  });

  it('measures ops/s and hit ratio over the interval while a load runs', async () => {
    const load = startLoad([a.address, b.address]);
    try {
      const r = await memkit(['stats', '--json', '--interval', '500'], { servers });
      expect(r.code).toBe(0);
      const json = JSON.parse(r.stdout);
      expect(json.intervalSeconds).toBeGreaterThan(0.4);
      expect(json.totals.opsPerSec).toBeGreaterThan(10);
      expect(json.totals.getsPerSec).toBeGreaterThan(0);
      // The load misses one get in two.
      expect(json.totals.intervalHitRatio).toBeGreaterThan(0.3);
      expect(json.totals.intervalHitRatio).toBeLessThan(0.7);
      const text = await memkit(['stats', '--interval', '300'], { servers });
      const total = text.stdout.split('\n').find((l) => l.startsWith('│ total'))!;
      const opsCell = total.split('│').at(-2)!.trim();
      expect(Number(opsCell.replace(/,/g, ''))).toBeGreaterThan(10);
    } finally {
      expect(await load.stop()).toBeGreaterThan(0);
    }
  });

  it('shows a down server as DOWN, keeps the others, and exits 3', async () => {
    const r = await memkit(['stats', '--interval', '0', '--servers', `${a.address},127.0.0.1:1`]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/127\.0\.0\.1:1\s+│ DOWN: connect ECONNREFUSED/);
    expect(r.stdout).toContain('total (1 up, 1 down)');
    expect(r.stderr).toContain('memkit: 127.0.0.1:1 is down');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const json = JSON.parse(
      (await memkit(['stats', '--json', '--interval', '0', '-s', `${a.address},127.0.0.1:1`])).stdout,
    );
    expect(json.servers[1]).toMatchObject({ server: '127.0.0.1:1', up: false });
    expect(json.servers[1].error).toMatch(/ECONNREFUSED/);
  });

  it('stats slabs and items show per-class tables; --json groups by class', async () => {
    const fresh = await startMemcached();
    try {
      await memkit(['set', 'slab:small', 'x'], { servers: fresh.address });
      await memkit(['set', 'slab:big', 'y'.repeat(5000)], { servers: fresh.address });
      const slabs = await memkit(['stats', 'slabs'], { servers: fresh.address });
      expect(slabs.code).toBe(0);
      expect(slabs.stdout).toContain(`${fresh.address} (stats slabs)`);
      expect(slabs.stdout).toMatch(/chunk_size/);
      expect(slabs.stdout).toMatch(/active_slabs: 2/);
      const before = await rawStats(fresh, 'items');
      const items = JSON.parse(
        (await memkit(['stats', 'items', '--json'], { servers: fresh.address })).stdout,
      );
      const after = await rawStats(fresh, 'items');
      const classes = items[fresh.address].classes;
      expect(classes).toHaveLength(2);
      expect(classes.every((c: { stats: { number: string } }) => c.stats.number === '1')).toBe(true);
      // `age` is memcached's seconds since the oldest item was stored: its clock may tick while the
      // CLI runs, so the CLI's figure must lie between what the server said just before and after.
      const key = `items:${classes[1].id}:age`;
      const age = Number(classes[1].stats.age);
      expect(age).toBeGreaterThanOrEqual(Number(before[key]));
      expect(age).toBeLessThanOrEqual(Number(after[key]));
    } finally {
      await fresh.stop();
    }
  });

  it('stats settings puts servers side by side', async () => {
    const r = await memkit(['stats', 'settings'], { servers });
    expect(r.code).toBe(0);
    const maxbytes = r.stdout.split('\n').find((l) => l.includes(' maxbytes '))!;
    expect(maxbytes).toContain('16777216');
    expect(maxbytes).toContain('33554432');
    const json = JSON.parse((await memkit(['stats', 'settings', '--json'], { servers })).stdout);
    expect(json[b.address].maxbytes).toBe('33554432');
  });
});
