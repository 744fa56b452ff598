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

/** Figures that a server and the pool totals both have, under the same name. */
type Shared = {
  [K in keyof ServerSummary & keyof PoolTotals]: ServerSummary[K] extends number | undefined ? K : never;
}[keyof ServerSummary & keyof PoolTotals];

/** A column of one figure, for each server and for the totals. */
function figure(head: string, key: Shared, format: (n: number | undefined) => string): Column {
  return { head, cell: (s) => format(s[key]), total: (t) => format(t[key]) };
}

const MEMORY: Column = {
  head: 'memory used / limit',
  cell: (s) => formatMemory(s.bytes, s.limitMaxbytes),
  total: (t) => formatMemory(t.bytes, t.limitMaxbytes),
};

const SNAPSHOT: Column[] = [
  { head: 'version', cell: (s) => s.version ?? MISSING, total: none },
  { head: 'uptime', cell: (s) => formatDuration(s.uptime), total: none },
  figure('items', 'currItems', formatCount),
  MEMORY,
  figure('get hits', 'getHits', formatCount),
  figure('get misses', 'getMisses', formatCount),
  figure('hit ratio', 'hitRatio', formatPercent),
  figure('evictions', 'evictions', formatCount),
  figure('conns', 'currConnections', formatCount),
  figure('ops/s', 'opsPerSec', formatRate),
];

// Narrower headers: the live view has to fit a 120-column terminal.
const LIVE: Column[] = [
  figure('items', 'currItems', formatCount),
  MEMORY,
  figure('ops/s', 'opsPerSec', formatRate),
  figure('gets/s', 'getsPerSec', formatRate),
  figure('sets/s', 'setsPerSec', formatRate),
  figure('hit% now', 'intervalHitRatio', formatPercent),
  figure('hit% all', 'hitRatio', formatPercent),
  figure('evict/s', 'evictionsPerSec', formatRate),
  figure('conns', 'currConnections', formatCount),
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
  const table = plainTable(['server', ...columns.map((c) => c.head)], 1, true);
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
