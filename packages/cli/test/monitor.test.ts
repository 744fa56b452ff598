import { Client } from '@memkit/client';
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardServer } from '../src/dashboard/server';
import type { DashboardTick } from '../src/dashboard/wire';
import { type MonitorTick, StatsMonitor } from '../src/stats/monitor';

let mc: MemcachedInstance;
let client: Client;

beforeAll(async () => {
  mc = await startMemcached();
  // One client over a live and a down server: its per-server results feed the monitor.
  client = new Client({ servers: [mc.address, '127.0.0.1:1'] });
});

afterAll(async () => {
  await client?.close();
  await mc?.stop();
});

describe('StatsMonitor', () => {
  it('samples on its interval, keeps a bounded history and tolerates a down server', async () => {
    const monitor = new StatsMonitor({ client, intervalMs: 50, historySize: 3, slabs: true });
    const ticks: MonitorTick[] = [];
    monitor.on('tick', (t: MonitorTick) => ticks.push(t));
    monitor.start();
    while (ticks.length < 5) await new Promise((r) => setTimeout(r, 20));
    monitor.stop();
    const seen = ticks.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(ticks.length).toBe(seen); // stopped means stopped
    expect(monitor.history).toHaveLength(3);
    expect(monitor.history.at(-1)).toBe(ticks.at(-1)!.summary);
    const last = ticks.at(-1)!;
    expect(last.summary.servers.map((s) => s.up)).toEqual([true, false]);
    expect(last.summary.servers[0]!.opsPerSec).toBe(0);
    expect(last.slabs!.map((s) => s.server)).toEqual([mc.address, '127.0.0.1:1']);
    expect(last.slabs![1]!.error).toMatch(/ECONNREFUSED/);
  });

  it('rejects a non-positive interval', () => {
    expect(() => new StatsMonitor({ client, intervalMs: 0 })).toThrow(/intervalMs/);
  });
});

describe('createDashboardServer', () => {
  it('streams one tick event per sample to every subscriber and leaves caller clients open', async () => {
    const dashboard = await createDashboardServer({ client, port: 0, intervalMs: 100 });
    try {
      const res = await fetch(new URL('/api/events', dashboard.url));
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const reader = res.body!.getReader();
      let text = '';
      while ((text.match(/event: tick/g) ?? []).length < 2)
        text += new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
      const events = text
        .split('\n\n')
        .filter((e) => e.startsWith('event: tick'))
        .map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)) as DashboardTick);
      expect(events[1]!.summary.at).toBeGreaterThan(events[0]!.summary.at);
      expect(events[0]!.summary.servers[0]!.server).toBe(mc.address);
    } finally {
      await dashboard.close();
    }
    // A caller-owned client stays usable after close().
    expect(await client.version()).toMatchObject([{ server: mc.address, ok: true }, { ok: false }]);
  });
});
