/**
 * The stats tables people read in the terminal: one row per server and a
 * totals row, in two layouts. `snapshot` (`memkit stats`) shows counters
 * since start; `live` (`memkit watch`) shows per-second rates.
 */
import Table from 'cli-table3';
import { formatCount, formatDuration, formatMemory, formatPercent, formatRate, MISSING } from './format';
import type { PoolTotals, ServerSummary, Summary } from './summary';

/** Which columns to show. */
export type TableLayout = 'snapshot' | 'live';

interface Column {
  head: string;
  cell: (s: ServerSummary) => string;
  total: (t: PoolTotals) => string;
}

const none = () => MISSING;

const SNAPSHOT: Column[] = [
  { head: 'version', cell: (s) => s.version ?? MISSING, total: none },
  { head: 'uptime', cell: (s) => formatDuration(s.uptime), total: none },
  { head: 'items', cell: (s) => formatCount(s.currItems), total: (t) => formatCount(t.currItems) },
  {
    head: 'memory used / limit',
    cell: (s) => formatMemory(s.bytes, s.limitMaxbytes),
    total: (t) => formatMemory(t.bytes, t.limitMaxbytes),
  },
  { head: 'get hits', cell: (s) => formatCount(s.getHits), total: (t) => formatCount(t.getHits) },
  { head: 'get misses', cell: (s) => formatCount(s.getMisses), total: (t) => formatCount(t.getMisses) },
  { head: 'hit ratio', cell: (s) => formatPercent(s.hitRatio), total: (t) => formatPercent(t.hitRatio) },
  { head: 'evictions', cell: (s) => formatCount(s.evictions), total: (t) => formatCount(t.evictions) },
  {
    head: 'conns',
    cell: (s) => formatCount(s.currConnections),
    total: (t) => formatCount(t.currConnections),
  },
  { head: 'ops/s', cell: (s) => formatRate(s.opsPerSec), total: (t) => formatRate(t.opsPerSec) },
];

const LIVE: Column[] = [
  { head: 'uptime', cell: (s) => formatDuration(s.uptime), total: none },
  { head: 'items', cell: (s) => formatCount(s.currItems), total: (t) => formatCount(t.currItems) },
  {
    head: 'memory used / limit',
    cell: (s) => formatMemory(s.bytes, s.limitMaxbytes),
    total: (t) => formatMemory(t.bytes, t.limitMaxbytes),
  },
  { head: 'ops/s', cell: (s) => formatRate(s.opsPerSec), total: (t) => formatRate(t.opsPerSec) },
  { head: 'gets/s', cell: (s) => formatRate(s.getsPerSec), total: (t) => formatRate(t.getsPerSec) },
  { head: 'sets/s', cell: (s) => formatRate(s.setsPerSec), total: (t) => formatRate(t.setsPerSec) },
  {
    head: 'hit ratio (now)',
    cell: (s) => formatPercent(s.intervalHitRatio),
    total: (t) => formatPercent(t.intervalHitRatio),
  },
  {
    head: 'hit ratio (all)',
    cell: (s) => formatPercent(s.hitRatio),
    total: (t) => formatPercent(t.hitRatio),
  },
  {
    head: 'evictions/s',
    cell: (s) => formatRate(s.evictionsPerSec),
    total: (t) => formatRate(t.evictionsPerSec),
  },
  {
    head: 'conns',
    cell: (s) => formatCount(s.currConnections),
    total: (t) => formatCount(t.currConnections),
  },
];

/** A cli-table3 table without colors, so piped output and tests see plain text. */
export function plainTable(head: string[], alignRightFrom = 1, compact = false): Table.Table {
  return new Table({
    head,
    style: { head: [], border: [], compact },
    colAligns: head.map((_, i) => (i < alignRightFrom ? 'left' : 'right')),
  });
}

/** The per-server table with a totals row. */
export function renderSummaryTable(summary: Summary, layout: TableLayout = 'snapshot'): string {
  const columns = layout === 'live' ? LIVE : SNAPSHOT;
  const table = plainTable(['server', ...columns.map((c) => c.head)]);
  for (const s of summary.servers) {
    if (s.up) {
      table.push([s.server, ...columns.map((c) => c.cell(s))]);
    } else {
      table.push([s.server, { colSpan: columns.length, hAlign: 'left', content: `DOWN: ${s.error}` }]);
    }
  }
  const t = summary.totals;
  const label = t.serversDown > 0 ? `total (${t.serversUp} up, ${t.serversDown} down)` : 'total';
  table.push([label, ...columns.map((c) => c.total(t))]);
  return table.toString();
}
