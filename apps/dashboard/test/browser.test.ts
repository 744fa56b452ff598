/**
 * The dashboard in a real browser: headless Chromium opens it while a load
 * runs against two real memcached servers, the charts plot non-zero ops/s,
 * and the numbers on the page match `stats` within one refresh.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startServer } from '@memkit/server';
import { type MemcachedInstance, rawStats, startMemcached } from '@memkit/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardApp, type DemoLoad, startDashboardApp, startDemoLoad } from '../src/index';
import { type Browser, launchBrowser } from './helpers/browser';

const INTERVAL_MS = 500;
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));

/** Stats the page shows per server, by their memcached names. */
const COUNTERS = ['get_hits', 'get_misses'] as const;
const EXACT = ['curr_items', 'bytes', 'limit_maxbytes', 'evictions', 'get_hits', 'get_misses'] as const;

let servers: MemcachedInstance[];
let app: DashboardApp;
let load: DemoLoad | undefined;
let browser: Browser;
let page: Page;

/** The raw `data-value` of every tile of one server card. */
async function tiles(address: string): Promise<Record<string, number>> {
  return page.$$eval(`section.server[data-server="${address}"] .value[data-value]`, (nodes) =>
    Object.fromEntries(
      nodes.map((n) => [(n as HTMLElement).dataset.stat, Number((n as HTMLElement).dataset.value)]),
    ),
  );
}

async function sampleAt(): Promise<number> {
  return Number(await page.evaluate(() => document.body.dataset.sampleAt ?? '0'));
}

/** Resolves once the page shows a sample taken after `since` (ms epoch). */
async function waitForSampleAfter(since: number): Promise<void> {
  // A wait, not a measurement: generous, so a loaded machine makes it slower, not red.
  await page.waitForFunction((t) => Number(document.body.dataset.sampleAt ?? '0') > t, since, {
    timeout: 30_000,
  });
}

beforeAll(async () => {
  servers = await Promise.all([startMemcached({ memoryMb: 8 }), startMemcached({ memoryMb: 16 })]);
  app = await startDashboardApp({ servers: servers.map((s) => s.address), port: 0, intervalMs: INTERVAL_MS });
  load = startDemoLoad(app.servers, { opsPerSec: 400, maxMs: 30_000 });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(app.url);
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await load?.stop();
  await browser?.close();
  await app?.close();
  await Promise.all(servers?.map((s) => s.stop()) ?? []);
});

describe('dashboard in Chromium', () => {
  it('draws a card per server with five live charts and non-zero ops/s', async () => {
    await page.waitForSelector('#status.live');
    for (const s of servers) {
      const card = `section.server[data-server="${s.address}"]`;
      await page.waitForFunction(
        (sel) =>
          Number(
            document.querySelector(`${sel} .value[data-stat="ops_per_sec"]`)?.getAttribute('data-value'),
          ) > 0,
        card,
        { timeout: 10_000 },
      );
      const charts = await page.$$eval(`${card} .chart`, (nodes) =>
        nodes.map((n) => ({
          id: (n as HTMLElement).dataset.chart,
          canvas: n.querySelector('canvas') !== null,
          latest: JSON.parse((n as HTMLElement).dataset.latest ?? '[]') as Array<number | null>,
        })),
      );
      expect(charts.map((c) => c.id)).toEqual(['ops', 'hit-ratio', 'memory', 'evictions', 'connections']);
      expect(charts.every((c) => c.canvas)).toBe(true);
      const ops = charts[0]!.latest;
      expect(ops[0]).toBeGreaterThan(0); // ops/s
      expect(ops[1]).toBeGreaterThan(0); // gets/s
      expect(charts[2]!.latest[1]).toBe(s === servers[0] ? 8 * 1024 * 1024 : 16 * 1024 * 1024); // limit
      // The ops/s line is really drawn: the canvas gets pixels of its color (#2563eb). A line
      // needs two samples, so wait for it (bounded) rather than reading the very first frame.
      const bluePixels = await page
        .waitForFunction(
          (sel) => {
            const canvas = document.querySelector(sel) as HTMLCanvasElement | null;
            if (!canvas) return 0;
            const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
            let n = 0;
            for (let i = 0; i < data.length; i += 4) {
              if (
                Math.abs(data[i]! - 37) < 40 &&
                Math.abs(data[i + 1]! - 99) < 40 &&
                Math.abs(data[i + 2]! - 235) < 40
              )
                n++;
            }
            return n > 50 ? n : 0;
          },
          `${card} .chart[data-chart="ops"] canvas`,
          { timeout: 10_000, polling: 100 },
        )
        .then((h) => h.jsonValue());
      expect(bluePixels).toBeGreaterThan(50);
      const slabRows = await page.$$eval(`${card} table.slabs tr[data-class]`, (rows) => rows.length);
      expect(slabRows).toBeGreaterThan(0);
    }
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true });
    if (process.env.UPDATE_DOCS) {
      // `pnpm screenshots`: let the charts fill up a little for the README picture.
      await page.waitForTimeout(15_000);
      await mkdir(DOCS, { recursive: true });
      await page.screenshot({ path: `${DOCS}dashboard.png`, fullPage: true });
    }
  });

  it('under load, each counter on the page lies between stats taken one refresh apart', async () => {
    for (const s of servers) {
      const before = await rawStats(s);
      const since = Date.now();
      await waitForSampleAfter(since);
      const shown = await tiles(s.address);
      const after = await rawStats(s);
      for (const name of COUNTERS) {
        expect(shown[name]).toBeGreaterThanOrEqual(Number(before[name]));
        expect(shown[name]).toBeLessThanOrEqual(Number(after[name]));
      }
      // The load is running, so the bracket is not trivially equal.
      expect(Number(after.get_hits)).toBeGreaterThan(Number(before.get_hits));
    }
  });

  it('once the load stops, the page shows exactly what stats says within one refresh', async () => {
    await load!.stop();
    load = undefined;
    const stopped = Date.now();
    await waitForSampleAfter(stopped);
    for (const s of servers) {
      const stats = await rawStats(s);
      const since = Date.now();
      await waitForSampleAfter(since);
      const shown = await tiles(s.address);
      for (const name of EXACT)
        expect({ name, value: shown[name] }).toEqual({ name, value: Number(stats[name]) });
      expect(shown.ops_per_sec).toBe(0);
    }
    expect(await sampleAt()).toBeGreaterThan(stopped);
  });

  it('shows a server going down, and back up after a restart', async () => {
    const victim = servers[1]!;
    const card = `section.server[data-server="${victim.address}"]`;
    victim.kill('SIGKILL');
    await page.waitForSelector(`${card}[data-up="false"]`, { timeout: 10_000 });
    expect(await page.$eval(`${card} .badge`, (n) => n.textContent)).toBe('DOWN');
    expect(await page.$eval(`${card} .error`, (n) => n.textContent)).toMatch(/ECONNREFUSED|closed|connect/i);
    expect(await page.$eval('#pool .value[data-stat="servers_up"]', (n) => n.textContent)).toBe('1');
    await victim.restart();
    await page.waitForSelector(`${card}[data-up="true"]`, { timeout: 10_000 });
  });
});

describe('dashboard of in-process @memkit/servers', () => {
  it('charts the demo load on the embedded servers', async () => {
    const embedded = await startDashboardApp({
      port: 0,
      intervalMs: INTERVAL_MS,
      load: { opsPerSec: 300 },
      env: {},
    });
    const tab = await browser.context.newPage();
    try {
      expect(embedded.embedded).toBe(true);
      await tab.goto(embedded.url);
      for (const address of embedded.servers) {
        await tab.waitForFunction(
          (a) => {
            const card = document.querySelector(`section.server[data-server="${a}"]`);
            const ops = card?.querySelector('.chart[data-chart="ops"]')?.getAttribute('data-latest');
            return ops ? (JSON.parse(ops)[0] ?? 0) > 0 : false;
          },
          address,
          { timeout: 10_000 },
        );
        const version = await tab.$eval(
          `section.server[data-server="${address}"] .meta`,
          (n) => n.textContent,
        );
        expect(version).toMatch(/memkit/);
      }
      await tab.screenshot({ path: `${ARTIFACTS}dashboard-memkit-server.png`, fullPage: true });

      // The endpoint publishes one node fewer: its card goes; then a new node: a card comes.
      const [kept, dropped] = embedded.servers as [string, string];
      embedded.endpoint!.setClusterNodes([kept]);
      await tab.waitForFunction(
        (a) => !document.querySelector(`section.server[data-server="${a}"]`),
        dropped,
        {
          timeout: 10_000,
        },
      );
      const extra = await startServer({ port: 0 });
      try {
        embedded.endpoint!.setClusterNodes([kept, extra.address]);
        await tab.waitForSelector(`section.server[data-server="${extra.address}"] .chart[data-chart="ops"]`, {
          timeout: 10_000,
        });
        expect(
          await tab.$$eval('section.server', (cards) => cards.map((c) => c.getAttribute('data-server'))),
        ).toEqual([kept, extra.address]);
      } finally {
        await extra.close();
      }
    } finally {
      await tab.close();
      await embedded.close();
    }
  });
});
