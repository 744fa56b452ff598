/**
 * How figures are written for people: byte sizes, durations, ratios, counts
 * and rates. A figure the server does not report is written as `-`.
 */

/** Shown for a figure the server does not report. */
export const MISSING = '-';

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const RATE = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** `1,234,567`. */
export function formatCount(n: number | undefined): string {
  return n === undefined ? MISSING : INTEGER.format(n);
}

/** `1,234.5` (per second). */
export function formatRate(n: number | undefined): string {
  return n === undefined ? MISSING : RATE.format(n);
}

/** `64.0 MiB`: binary units, as memcached's `-m` is in MiB. */
export function formatBytes(n: number | undefined): string {
  if (n === undefined) return MISSING;
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** `97.5%` for a 0..1 ratio. */
export function formatPercent(ratio: number | undefined): string {
  return ratio === undefined ? MISSING : `${(ratio * 100).toFixed(1)}%`;
}

/** `3d 4h`, `2h 5m`, `5m 12s`, `42s`: the two largest units of a duration in seconds. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined) return MISSING;
  const s = Math.floor(seconds);
  const parts: Array<[number, string]> = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor((s % 86400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([v]) => v > 0);
  if (first === -1) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([v], i) => i === 0 || v > 0)
    .map(([v, u]) => `${v}${u}`)
    .join(' ');
}

/** `12.0 MiB / 64.0 MiB (19%)`; whichever side is missing shows as `-`. */
export function formatMemory(used: number | undefined, limit: number | undefined): string {
  if (used === undefined && limit === undefined) return MISSING;
  const pct = used !== undefined && limit ? ` (${Math.round((used / limit) * 100)}%)` : '';
  return `${formatBytes(used)} / ${formatBytes(limit)}${pct}`;
}

/**
 * JSON for `--json`: two-space indent, missing figures as `null` rather than
 * dropped keys, and 64-bit counters (bigint) as numbers when they are safe
 * integers, else as decimal strings.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (v === undefined) return null;
      if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
      return v;
    },
    2,
  );
}
