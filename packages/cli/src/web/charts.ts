/**
 * Time-series charts of the dashboard (uPlot, bundled at build time): the
 * five per-server charts and the rolling window of points behind each.
 */
import uPlot from 'uplot';
import { formatBytes, formatCount, formatRate } from '../stats/format';
import type { ServerSummary } from '../stats/summary';

/** One line of a chart. */
interface SeriesSpec {
  label: string;
  color: string;
  value: (s: ServerSummary) => number | undefined;
}

/** One chart. */
interface ChartSpec {
  id: string;
  title: string;
  series: SeriesSpec[];
  format: (v: number) => string;
  /** Fixed y range, when the quantity has one (hit ratio). */
  range?: [number, number];
}

const percent = (ratio: number | undefined) => (ratio === undefined ? undefined : ratio * 100);

/** The charts every server gets, in page order. */
export const CHARTS: ChartSpec[] = [
  {
    id: 'ops',
    title: 'ops/s',
    format: (v) => formatRate(v),
    series: [
      { label: 'ops/s', color: '#2563eb', value: (s) => s.opsPerSec },
      { label: 'gets/s', color: '#16a34a', value: (s) => s.getsPerSec },
      { label: 'sets/s', color: '#ea580c', value: (s) => s.setsPerSec },
    ],
  },
  {
    id: 'hit-ratio',
    title: 'hit ratio (%)',
    format: (v) => `${v.toFixed(0)}%`,
    range: [0, 100],
    series: [
      { label: 'last interval', color: '#9333ea', value: (s) => percent(s.intervalHitRatio) },
      { label: 'since start', color: '#94a3b8', value: (s) => percent(s.hitRatio) },
    ],
  },
  {
    id: 'memory',
    title: 'memory used vs limit',
    format: (v) => formatBytes(v),
    series: [
      { label: 'used', color: '#0891b2', value: (s) => s.bytes },
      { label: 'limit', color: '#dc2626', value: (s) => s.limitMaxbytes },
    ],
  },
  {
    id: 'evictions',
    title: 'evictions/s',
    format: (v) => formatRate(v),
    series: [{ label: 'evictions/s', color: '#dc2626', value: (s) => s.evictionsPerSec }],
  },
  {
    id: 'connections',
    title: 'connections',
    format: (v) => formatCount(v),
    series: [{ label: 'connections', color: '#4b5563', value: (s) => s.currConnections }],
  },
];

const HEIGHT = 170;

/** A uPlot chart over a rolling window of samples. */
export class TimeChart {
  private readonly xs: number[] = [];
  private readonly ys: Array<Array<number | null>>;
  private readonly plot: uPlot;

  constructor(
    readonly el: HTMLElement,
    private readonly spec: ChartSpec,
    private readonly capacity: number,
  ) {
    this.ys = spec.series.map(() => []);
    const yScale: uPlot.Scale = spec.range
      ? { range: spec.range }
      : { range: (_u, _min, max) => [0, max || 1] };
    this.plot = new uPlot(
      {
        title: spec.title,
        width: Math.max(300, el.clientWidth),
        height: HEIGHT,
        scales: { x: { time: true }, y: yScale },
        series: [
          { label: 'time', value: '{HH}:{mm}:{ss}' },
          ...spec.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 1.5,
            spanGaps: false,
            points: { show: false },
            value: (_u: uPlot, v: number | null) => (v == null ? '-' : spec.format(v)),
          })),
        ],
        axes: [{}, { size: 70, values: (_u, splits) => splits.map((v) => spec.format(v)) }],
        hooks: {
          // Away from the cursor, the legend shows the newest values instead of dashes.
          setCursor: [(u) => this.legendToLatest(u)],
        },
      },
      [this.xs, ...this.ys],
      el,
    );
  }

  /** Appends one sample (`undefined` summary = server down: a gap). */
  push(at: number, summary: ServerSummary | undefined): void {
    this.xs.push(at / 1000);
    this.spec.series.forEach((s, i) => {
      const v = summary?.up ? s.value(summary) : undefined;
      this.ys[i]!.push(v === undefined ? null : v);
    });
    if (this.xs.length > this.capacity) {
      this.xs.shift();
      for (const y of this.ys) y.shift();
    }
  }

  /** Redraws with the current window. */
  redraw(): void {
    this.plot.setData([this.xs, ...this.ys]);
    this.legendToLatest(this.plot);
    this.el.dataset.latest = JSON.stringify(this.latest());
  }

  private legendToLatest(u: uPlot): void {
    if (u.cursor.idx == null && this.xs.length > 0) u.setLegend({ idx: this.xs.length - 1 });
  }

  /** Follows the container's width. */
  resize(): void {
    this.plot.setSize({ width: Math.max(300, this.el.clientWidth), height: HEIGHT });
  }

  /** The newest value of each series (also mirrored into `data-latest` for tests). */
  latest(): Array<number | null> {
    return this.ys.map((y) => y[y.length - 1] ?? null);
  }
}
