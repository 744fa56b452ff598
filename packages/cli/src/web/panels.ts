/**
 * The dashboard's DOM: number tiles (each carrying its raw value in
 * `data-value`, which the browser test compares with `stats`), one card per
 * server with its charts, and the slab class table.
 */

import {
  formatBytes,
  formatCount,
  formatDuration,
  formatPercent,
  formatRate,
  MISSING,
} from '../stats/format';
import type { ServerSlabs } from '../stats/monitor';
import type { PoolTotals, ServerSummary } from '../stats/summary';
import { CHARTS, TimeChart } from './charts';

interface TileSpec<T> {
  stat: string;
  label: string;
  value: (s: T) => number | undefined;
  format: (n: number | undefined) => string;
}

const SERVER_TILES: TileSpec<ServerSummary>[] = [
  { stat: 'ops_per_sec', label: 'ops/s', value: (s) => s.opsPerSec, format: formatRate },
  {
    stat: 'hit_ratio_now',
    label: 'hit ratio (last interval)',
    value: (s) => s.intervalHitRatio,
    format: formatPercent,
  },
  { stat: 'hit_ratio', label: 'hit ratio (since start)', value: (s) => s.hitRatio, format: formatPercent },
  { stat: 'curr_items', label: 'items', value: (s) => s.currItems, format: formatCount },
  { stat: 'bytes', label: 'memory used', value: (s) => s.bytes, format: formatBytes },
  { stat: 'limit_maxbytes', label: 'memory limit', value: (s) => s.limitMaxbytes, format: formatBytes },
  { stat: 'get_hits', label: 'get hits', value: (s) => s.getHits, format: formatCount },
  { stat: 'get_misses', label: 'get misses', value: (s) => s.getMisses, format: formatCount },
  { stat: 'evictions', label: 'evictions', value: (s) => s.evictions, format: formatCount },
  { stat: 'curr_connections', label: 'connections', value: (s) => s.currConnections, format: formatCount },
];

const POOL_TILES: TileSpec<PoolTotals>[] = [
  { stat: 'servers_up', label: 'servers up', value: (t) => t.serversUp, format: formatCount },
  { stat: 'ops_per_sec', label: 'pool ops/s', value: (t) => t.opsPerSec, format: formatRate },
  {
    stat: 'hit_ratio_now',
    label: 'pool hit ratio (last interval)',
    value: (t) => t.intervalHitRatio,
    format: formatPercent,
  },
  { stat: 'curr_items', label: 'pool items', value: (t) => t.currItems, format: formatCount },
  { stat: 'bytes', label: 'pool memory used', value: (t) => t.bytes, format: formatBytes },
  { stat: 'evictions', label: 'pool evictions', value: (t) => t.evictions, format: formatCount },
  {
    stat: 'curr_connections',
    label: 'pool connections',
    value: (t) => t.currConnections,
    format: formatCount,
  },
];

const SLAB_COLUMNS: Array<[string, string, (n: number | undefined) => string]> = [
  ['chunk_size', 'chunk size', formatBytes],
  ['number', 'items', formatCount],
  ['used_chunks', 'used chunks', formatCount],
  ['total_chunks', 'total chunks', formatCount],
  ['total_pages', 'pages', formatCount],
  ['mem_requested', 'requested', formatBytes],
  ['evicted', 'evicted', formatCount],
  ['get_hits', 'get hits', formatCount],
  ['cmd_set', 'sets', formatCount],
];

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A row of number tiles bound to a spec list. */
class Tiles<T> {
  readonly root = el('div', 'tiles');
  private readonly values = new Map<string, HTMLElement>();

  constructor(private readonly specs: TileSpec<T>[]) {
    for (const spec of specs) {
      const tile = el('div', 'tile');
      const value = el('div', 'value', MISSING);
      value.dataset.stat = spec.stat;
      tile.append(el('div', 'label', spec.label), value);
      this.root.append(tile);
      this.values.set(spec.stat, value);
    }
  }

  update(source: T | undefined): void {
    for (const spec of this.specs) {
      const node = this.values.get(spec.stat)!;
      const v = source === undefined ? undefined : spec.value(source);
      node.textContent = spec.format(v);
      if (v === undefined) delete node.dataset.value;
      else node.dataset.value = String(v);
    }
  }
}

/** The pool totals strip at the top. */
export class PoolPanel {
  private readonly tiles = new Tiles(POOL_TILES);
  constructor(root: HTMLElement) {
    root.append(this.tiles.root);
  }
  update(totals: PoolTotals): void {
    this.tiles.update(totals);
  }
}

/** One server's card: header, tiles, charts, slab table. */
export class ServerPanel {
  readonly root = el('section', 'server');
  private readonly meta = el('span', 'meta');
  private readonly badge = el('span', 'badge', 'UP');
  private readonly error = el('div', 'error');
  private readonly tiles = new Tiles(SERVER_TILES);
  private readonly charts: TimeChart[] = [];
  private readonly slabBody = el('div');

  constructor(
    readonly server: string,
    parent: HTMLElement,
    capacity: number,
  ) {
    this.root.dataset.server = server;
    const title = el('h2', undefined, server);
    title.append(this.badge, this.meta);
    const charts = el('div', 'charts');
    const details = el('details');
    details.open = true;
    details.append(el('summary', undefined, 'Slab classes'), this.slabBody);
    this.root.append(title, this.error, this.tiles.root, charts, details);
    parent.append(this.root);
    for (const spec of CHARTS) {
      const box = el('div', 'chart');
      box.dataset.chart = spec.id;
      charts.append(box);
      this.charts.push(new TimeChart(box, spec, capacity));
    }
  }

  /** Adds one sample to the charts (without redrawing) and, if `latest`, updates the numbers. */
  push(at: number, summary: ServerSummary | undefined): void {
    for (const chart of this.charts) chart.push(at, summary);
  }

  /** Shows the newest figures and redraws the charts. */
  show(summary: ServerSummary | undefined): void {
    const up = summary?.up === true;
    this.badge.textContent = up ? 'UP' : 'DOWN';
    this.badge.className = up ? 'badge' : 'badge down';
    this.root.dataset.up = String(up);
    this.error.textContent = up ? '' : (summary?.error ?? 'no answer');
    const version = summary?.version ? `v${summary.version}` : MISSING;
    this.meta.textContent = up ? `${version} · up ${formatDuration(summary?.uptime)}` : '';
    this.tiles.update(up ? summary : undefined);
    for (const chart of this.charts) chart.redraw();
  }

  /** Replaces the slab table. */
  showSlabs(slabs: ServerSlabs | undefined): void {
    this.slabBody.replaceChildren();
    if (!slabs?.groups) {
      this.slabBody.append(el('div', 'empty', slabs?.error ? `unavailable: ${slabs.error}` : 'no data yet'));
      return;
    }
    if (slabs.groups.classes.length === 0) {
      this.slabBody.append(el('div', 'empty', 'no slab classes in use'));
      return;
    }
    const table = el('table', 'slabs');
    const head = el('tr');
    head.append(el('th', undefined, 'class'), ...SLAB_COLUMNS.map(([, label]) => el('th', undefined, label)));
    table.append(head);
    for (const c of slabs.groups.classes) {
      const row = el('tr');
      row.dataset.class = String(c.id);
      row.append(el('td', undefined, String(c.id)));
      for (const [key, , format] of SLAB_COLUMNS) {
        const raw = c.stats[key];
        const n = raw === undefined ? undefined : Number(raw);
        const cell = el('td', undefined, format(n !== undefined && Number.isFinite(n) ? n : undefined));
        cell.dataset.stat = key;
        row.append(cell);
      }
      table.append(row);
    }
    this.slabBody.append(table);
  }

  resize(): void {
    for (const chart of this.charts) chart.resize();
  }
}
