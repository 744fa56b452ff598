/**
 * Pure arithmetic over stats samples: the per-server figures an operator
 * reads (hit ratio, memory, evictions, connections) and, given the previous
 * sample, per-second rates. Servers that expose fewer stats (such as
 * `@memkit/server`) simply leave those figures `undefined`.
 */
import type { Sample, ServerSample } from './sample';

/** Counters summed into "ops": every key-level command memcached counts. */
const OP_COUNTERS = [
  'cmd_get',
  'cmd_set',
  'cmd_touch',
  'delete_hits',
  'delete_misses',
  'incr_hits',
  'incr_misses',
  'decr_hits',
  'decr_misses',
] as const;

/** One server's figures. Every number is `undefined` when the server does not report it. */
export interface ServerSummary {
  /** The server address, as configured. */
  server: string;
  /** Whether the server answered this sample. */
  up: boolean;
  /** Why it did not, when `up` is false. */
  error?: string;
  /** The server's version string. */
  version?: string;
  /** Seconds since the server started. */
  uptime?: number;
  /** Items stored now (`curr_items`). */
  currItems?: number;
  /** Items stored since start (`total_items`). */
  totalItems?: number;
  /** Bytes used by items. */
  bytes?: number;
  /** The memory limit (`-m`) in bytes. */
  limitMaxbytes?: number;
  /** Gets that found their key since start (`get_hits`). */
  getHits?: number;
  /** Gets that did not (`get_misses`). */
  getMisses?: number;
  /** get_hits / (get_hits + get_misses) since start, 0..1. */
  hitRatio?: number;
  /** Items evicted to make room since start (`evictions`). */
  evictions?: number;
  /** Open connections (`curr_connections`). */
  currConnections?: number;
  /** Key operations (gets, sets, touches, deletes, incr/decr) since start. */
  ops?: number;
  /** Key operations per second since the previous sample. */
  opsPerSec?: number;
  /** Gets per second since the previous sample. */
  getsPerSec?: number;
  /** Sets per second since the previous sample. */
  setsPerSec?: number;
  /** Evictions per second since the previous sample. */
  evictionsPerSec?: number;
  /** Hits per second since the previous sample. */
  hitsPerSec?: number;
  /** Misses per second since the previous sample. */
  missesPerSec?: number;
  /** Hit ratio of the gets since the previous sample (undefined when there were none). */
  intervalHitRatio?: number;
}

/** The pool as a whole: sums over the servers that answered. */
export interface PoolTotals {
  /** Servers that answered this sample. */
  serversUp: number;
  /** Servers that did not. */
  serversDown: number;
  /** Items stored now, summed. */
  currItems?: number;
  /** Bytes used by items, summed. */
  bytes?: number;
  /** Memory limits, summed (bytes). */
  limitMaxbytes?: number;
  /** Hits since start, summed. */
  getHits?: number;
  /** Misses since start, summed. */
  getMisses?: number;
  /** Hit ratio since start over the pool, 0..1. */
  hitRatio?: number;
  /** Evictions since start, summed. */
  evictions?: number;
  /** Open connections, summed. */
  currConnections?: number;
  /** Key operations per second, summed. */
  opsPerSec?: number;
  /** Gets per second, summed. */
  getsPerSec?: number;
  /** Sets per second, summed. */
  setsPerSec?: number;
  /** Evictions per second, summed. */
  evictionsPerSec?: number;
  /** Hits per second, summed. */
  hitsPerSec?: number;
  /** Misses per second, summed. */
  missesPerSec?: number;
  /** Hit ratio of the pool's gets since the previous sample (undefined when there were none). */
  intervalHitRatio?: number;
}

/** A summarized sample. */
export interface Summary {
  /** When the sample was taken (Unix milliseconds). */
  at: number;
  /** Seconds between this sample and the previous one (undefined for the first). */
  intervalSeconds?: number;
  /** One summary per server, in configuration order. */
  servers: ServerSummary[];
  /** The pool as a whole. */
  totals: PoolTotals;
}

/** A stat as a number; `undefined` when missing or not numeric. */
export function num(stats: Record<string, string> | undefined, name: string): number | undefined {
  const raw = stats?.[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/** Sum of the counters the server reports; `undefined` when it reports none of them. */
function sumOf(stats: Record<string, string> | undefined, names: readonly string[]): number | undefined {
  let total: number | undefined;
  for (const name of names) {
    const v = num(stats, name);
    if (v !== undefined) total = (total ?? 0) + v;
  }
  return total;
}

function ratio(hits: number | undefined, misses: number | undefined): number | undefined {
  if (hits === undefined || misses === undefined || hits + misses === 0) return undefined;
  return hits / (hits + misses);
}

/**
 * Per-second rate of a counter between two samples. `undefined` when either
 * side is missing or the counter went down (the server restarted or was reset).
 */
function rate(now: number | undefined, before: number | undefined, seconds: number | undefined) {
  if (now === undefined || before === undefined || seconds === undefined || seconds <= 0) return undefined;
  if (now < before) return undefined;
  return (now - before) / seconds;
}

/** The figures of one server, with rates when `prev` (the same server's previous sample) is given. */
export function summarizeServer(
  sample: ServerSample,
  prev?: ServerSample,
  intervalSeconds?: number,
): ServerSummary {
  const s = sample.stats;
  if (!s) return { server: sample.server, up: false, error: sample.error ?? 'no answer' };
  const p = prev?.stats;
  const getHits = num(s, 'get_hits');
  const getMisses = num(s, 'get_misses');
  const out: ServerSummary = {
    server: sample.server,
    up: true,
    version: s.version,
    uptime: num(s, 'uptime'),
    currItems: num(s, 'curr_items'),
    totalItems: num(s, 'total_items'),
    bytes: num(s, 'bytes'),
    limitMaxbytes: num(s, 'limit_maxbytes'),
    getHits,
    getMisses,
    hitRatio: ratio(getHits, getMisses),
    evictions: num(s, 'evictions'),
    currConnections: num(s, 'curr_connections'),
    ops: sumOf(s, OP_COUNTERS),
  };
  // Rates stay present-but-undefined without a previous sample, so JSON output has stable keys.
  out.opsPerSec = out.getsPerSec = out.setsPerSec = out.evictionsPerSec = undefined;
  out.hitsPerSec = out.missesPerSec = out.intervalHitRatio = undefined;
  // A restart between samples makes every delta meaningless, not just the ones that went down.
  const restarted = (out.uptime ?? 0) < (num(p, 'uptime') ?? 0);
  if (p && !restarted) {
    out.opsPerSec = rate(out.ops, sumOf(p, OP_COUNTERS), intervalSeconds);
    out.getsPerSec = rate(num(s, 'cmd_get'), num(p, 'cmd_get'), intervalSeconds);
    out.setsPerSec = rate(num(s, 'cmd_set'), num(p, 'cmd_set'), intervalSeconds);
    out.evictionsPerSec = rate(out.evictions, num(p, 'evictions'), intervalSeconds);
    out.hitsPerSec = rate(getHits, num(p, 'get_hits'), intervalSeconds);
    out.missesPerSec = rate(getMisses, num(p, 'get_misses'), intervalSeconds);
    out.intervalHitRatio = ratio(out.hitsPerSec, out.missesPerSec);
  }
  return out;
}

function add(values: Array<number | undefined>): number | undefined {
  let total: number | undefined;
  for (const v of values) if (v !== undefined) total = (total ?? 0) + v;
  return total;
}

/** Sums over the servers that are up. */
export function totalsOf(servers: readonly ServerSummary[]): PoolTotals {
  const up = servers.filter((s) => s.up);
  const sum = (pick: (s: ServerSummary) => number | undefined) => add(up.map(pick));
  const getHits = sum((s) => s.getHits);
  const getMisses = sum((s) => s.getMisses);
  const hitsPerSec = sum((s) => s.hitsPerSec);
  const missesPerSec = sum((s) => s.missesPerSec);
  return {
    serversUp: up.length,
    serversDown: servers.length - up.length,
    currItems: sum((s) => s.currItems),
    bytes: sum((s) => s.bytes),
    limitMaxbytes: sum((s) => s.limitMaxbytes),
    getHits,
    getMisses,
    hitRatio: ratio(getHits, getMisses),
    evictions: sum((s) => s.evictions),
    currConnections: sum((s) => s.currConnections),
    opsPerSec: sum((s) => s.opsPerSec),
    getsPerSec: sum((s) => s.getsPerSec),
    setsPerSec: sum((s) => s.setsPerSec),
    evictionsPerSec: sum((s) => s.evictionsPerSec),
    hitsPerSec,
    missesPerSec,
    intervalHitRatio: ratio(hitsPerSec, missesPerSec),
  };
}

/** Summarizes `sample`; with `prev` (the previous sample of the same servers) adds rates. */
export function summarize(sample: Sample, prev?: Sample): Summary {
  const intervalSeconds = prev ? (sample.mono - prev.mono) / 1000 : undefined;
  const before = new Map(prev?.servers.map((s) => [s.server, s]));
  const servers = sample.servers.map((s) => summarizeServer(s, before.get(s.server), intervalSeconds));
  const summary: Summary = { at: sample.at, servers, totals: totalsOf(servers) };
  if (intervalSeconds !== undefined) summary.intervalSeconds = intervalSeconds;
  return summary;
}
