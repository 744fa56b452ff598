/**
 * `stats slabs`, `stats items` and `stats settings`: grouping the flat
 * `STAT <class>:<name>` lines into one row per slab class, and the tables
 * that show them. Pure functions; the dashboard sends the same grouping.
 */
import type Table from 'cli-table3';
import { formatBytes, formatCount, MISSING } from './format';
import type { ServerSample } from './sample';
import { plainTable } from './table';

/** Per-class rows of `stats slabs` or `stats items`, plus the lines that belong to no class. */
export interface SlabGroups {
  /** Rows by slab class id, ascending. */
  classes: Array<{
    /** The slab class id (1-63). */
    id: number;
    /** The class's statistics, by name without the `<id>:` prefix. */
    stats: Record<string, string>;
  }>;
  /** Lines without a class prefix (`active_slabs`, `total_malloced`). */
  globals: Record<string, string>;
}

/** Which `stats` sub-command. */
export type SlabKind = 'slabs' | 'items';

/** Columns shown when present, in this order; a server reporting none of them shows all it has. */
const PREFERRED: Record<SlabKind, string[]> = {
  slabs: [
    'chunk_size',
    'total_pages',
    'total_chunks',
    'used_chunks',
    'free_chunks',
    'mem_requested',
    'get_hits',
    'cmd_set',
    'delete_hits',
    'touch_hits',
  ],
  items: [
    'number',
    'age',
    'evicted',
    'evicted_nonzero',
    'expired_unfetched',
    'evicted_unfetched',
    'outofmemory',
    'reclaimed',
  ],
};

const BYTE_COLUMNS = new Set(['chunk_size', 'mem_requested']);

/** Groups `1:chunk_size` (slabs) or `items:1:number` (items) lines by class id. */
export function groupByClass(stats: Record<string, string>, kind: SlabKind): SlabGroups {
  const byId = new Map<number, Record<string, string>>();
  const globals: Record<string, string> = {};
  const pattern = kind === 'items' ? /^items:(\d+):(.+)$/ : /^(\d+):(.+)$/;
  for (const [name, value] of Object.entries(stats)) {
    const m = pattern.exec(name);
    if (!m) {
      globals[name] = value;
      continue;
    }
    const id = Number(m[1]);
    let row = byId.get(id);
    if (!row) {
      row = {};
      byId.set(id, row);
    }
    row[m[2]!] = value;
  }
  const classes = [...byId].sort(([a], [b]) => a - b).map(([id, s]) => ({ id, stats: s }));
  return { classes, globals };
}

/** The columns to show for these rows. */
export function columnsFor(groups: SlabGroups, kind: SlabKind): string[] {
  const present = new Set(groups.classes.flatMap((c) => Object.keys(c.stats)));
  const preferred = PREFERRED[kind].filter((c) => present.has(c));
  return preferred.length > 0 ? preferred : [...present].sort();
}

function cell(column: string, value: string | undefined): string {
  if (value === undefined) return MISSING;
  const n = Number(value);
  if (!Number.isFinite(n)) return value;
  return BYTE_COLUMNS.has(column) ? formatBytes(n) : formatCount(n);
}

/** One server's per-class table, with its global lines below. */
export function renderSlabTable(sample: ServerSample, kind: SlabKind): string {
  const title = `${sample.server} (stats ${kind})`;
  if (!sample.stats) return `${title}\nDOWN: ${sample.error}`;
  const groups = groupByClass(sample.stats, kind);
  if (groups.classes.length === 0) return `${title}\nno slab classes in use`;
  const columns = columnsFor(groups, kind);
  const table: Table.Table = plainTable(['class', ...columns], 0, true);
  for (const c of groups.classes) table.push([String(c.id), ...columns.map((k) => cell(k, c.stats[k]))]);
  const footer = Object.entries(groups.globals)
    .map(([k, v]) => `${k}: ${cell(k, v)}`)
    .join(', ');
  return [title, table.toString(), footer].filter((s) => s.length > 0).join('\n');
}

/** `stats settings` of every server side by side: one row per setting, one column per server. */
export function renderSettingsTable(samples: readonly ServerSample[]): string {
  const table = plainTable(['setting', ...samples.map((s) => s.server)], samples.length + 1, true);
  const names = new Set(samples.flatMap((s) => Object.keys(s.stats ?? {})));
  for (const name of [...names].sort()) {
    table.push([name, ...samples.map((s) => (s.stats ? (s.stats[name] ?? MISSING) : 'DOWN'))]);
  }
  const down = samples.filter((s) => !s.stats).map((s) => `${s.server} DOWN: ${s.error}`);
  return [table.toString(), ...down].join('\n');
}
