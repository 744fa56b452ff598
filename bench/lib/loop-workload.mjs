// One closed-loop workload on one client: create the client with the
// workload's options (TLS, the large-item limit, the near cache), fill the key
// space, warm up, measure, then let the workload's plan check what happened
// (lib/plan.mjs, getorset.mjs, skewed.mjs) and, for large values, measure the
// memory one get costs (rss-probe.mjs). Problems land in entry.problems.

import { LARGE_ITEM_MB } from './fleet.mjs';
import { getOrSetPlan } from './getorset.mjs';
import { closedLoop, errMsg, guarded, sleep, startNudger, within } from './loop.mjs';
import { plan } from './plan.mjs';
import { probeRss } from './rss-probe.mjs';
import { skewedPlan } from './skewed.mjs';
import { latencySummary, median } from './stats.mjs';
import { KEYSPACE, MiB } from './workloads.mjs';

const env = process.env;
/** What adapters may send to the large-item server (`-I 32m`), with room for the item header. */
const LARGE_MAX_VALUE = LARGE_ITEM_MB * MiB - 1024;
const SLACK_MS = Number(env.BENCH_STALE_SLACK_MS ?? 50);
/** Interval of the unmeasured gets on the TLS set workload (see startNudger). */
const TLS_NUDGE_MS = 10;

const num = (s, k) => Number(s?.[k] ?? NaN);
function serverDelta(s0, s1) {
  const d = (k) => num(s1, k) - num(s0, k);
  return {
    cmd_get: d('cmd_get'),
    get_hits: d('get_hits'),
    get_misses: d('get_misses'),
    cmd_set: d('cmd_set'),
    delete_hits: d('delete_hits'),
    get_expired: d('get_expired'),
    cpuS: Math.round((d('rusage_user') + d('rusage_system')) * 1000) / 1000,
  };
}

/** The near-cache settings workload j offers (the environment may shorten them for tests). */
function nearCacheFor(w) {
  return {
    maxBytes: Number(env.BENCH_NEAR_MAX_BYTES ?? w.nearCache.maxBytes),
    maxAge: Number(env.BENCH_NEAR_MAX_AGE_MS ?? w.nearCache.maxAge),
  };
}

/** Options create() gets for workload w: TLS, the large-item limit, the near cache. */
function createOptions(w, { tlsOpts }) {
  if (w.on === 'tls') return { tls: tlsOpts };
  if (w.on === 'large') return { maxValueSize: LARGE_MAX_VALUE };
  if (w.kind === 'skewed') return { nearCache: nearCacheFor(w) };
  return {};
}

/** Fill the key space through the client under test, then prove it over the raw connection. */
async function populateThrough(c, ds, target, { timeoutMs, nServers, entry }) {
  const ctl = { stop: false };
  const p = await guarded(
    closedLoop({ total: ds.count, concurrency: 32, op: (i) => c.set(ds.keys[i], ds.values[i], 0), ctl }),
    timeoutMs,
    ctl,
  );
  if (p === 'timeout' || p.errors)
    throw new Error(`populate failed: ${p === 'timeout' ? 'timeout' : p.firstError}`);
  const v = await target.verify(ds);
  if (!v.ok)
    throw new Error(
      `populate verification failed: ${v.missing} missing, ${v.mismatched} wrong, ${v.duplicated} on several servers (${v.first})`,
    );
  if (nServers > 1) {
    entry.keysPerServer = v.perServer;
    const problem = spreadProblem(v.perServer, v.checked);
    if (problem) throw new Error(problem);
  }
}

/**
 * Why a cluster fill is not spread over its servers, or null. A client that
 * ignores a server puts (next to) none there. The bound is not "about 1/n": a
 * ketama ring's spread depends on the servers' names, here free ports that
 * change every run. memcache 1.10 (50 FNV-1a points per server) gave one of 3
 * servers as few as 2.9% of 10,000 keys over 5,000 port draws, and under 1/12
 * in 3.3% of them (one failed a CI run), so the bound is 1% of the keys.
 * @param {number[]} perServer keys found on each server
 * @param {number} checked keys checked in all
 */
export function spreadProblem(perServer, checked) {
  if (perServer.some((n) => n < checked / 100))
    return `keys not spread over the ${perServer.length} servers: ${perServer.join(' / ')}`;
  return null;
}

/** The plan (op, check, finish) of a closed-loop workload; creates j's writer instance. */
async function makePlan(w, c, entry, { mod, prefix, target, dataset }, opts) {
  if (w.kind === 'getOrSet') return getOrSetPlan(w, c, prefix);
  if (w.kind !== 'skewed') return plan(w, c, dataset(w.size), target);
  const offered = opts.nearCache;
  const applied = c.nearCache ?? null; // what the adapter says it enabled
  entry.nearCacheOffered = offered;
  entry.nearCache = applied;
  if (!applied && c.nearCacheNote) entry.nearCacheNote = c.nearCacheNote;
  if (applied && !(applied.maxAge <= offered.maxAge))
    throw new Error(
      `the adapter enabled a near cache with maxAge ${applied.maxAge} ms; the workload allows ${offered.maxAge}`,
    );
  const writer = await within(Promise.resolve(mod.create(target.addrs, opts)), 30_000, 'create() (writer)');
  const p = skewedPlan(w, {
    reader: c,
    writer,
    target,
    prefix,
    maxAgeMs: applied ? offered.maxAge : 0,
    slackMs: SLACK_MS,
    nearCache: Boolean(applied),
  });
  p.close = () => writer.close();
  return p;
}

export async function runLoopWorkload(w, entry, ctx) {
  const { mod, target, targetName, timeoutMs, populated, dataset } = ctx;
  const ctl = { stop: false };
  const opts = createOptions(w, ctx);
  let c;
  let p;
  let nudger = null;
  try {
    c = await within(Promise.resolve(mod.create(target.addrs, opts)), 30_000, 'create()');
    p = await makePlan(w, c, entry, ctx, opts);
    const fill = `${targetName}:${w.size}`;
    if (p.populate) await p.populate();
    else if ((w.kind === 'get' || w.kind === 'mget' || w.kind === 'mixed') && !populated.has(fill)) {
      await populateThrough(c, dataset(w.size), target, { timeoutMs, nServers: target.addrs.length, entry });
      populated.add(fill);
    }
    const { op, check } = p;
    if (w.on === 'tls' && w.kind === 'set') {
      nudger = startNudger(() => c.get(`${ctx.prefix}:nudge`), TLS_NUDGE_MS);
    }

    // warm-up (not measured): JIT, connection pools, server slabs
    const warm = await guarded(
      closedLoop({ total: w.warmup, concurrency: w.concurrency, op, check, ctl, maxMs: w.maxSeconds * 1000 }),
      timeoutMs,
      ctl,
    );
    if (warm === 'timeout') throw new Error('warm-up timed out');
    entry.warmupSeconds = Math.round(warm.elapsedNs / 1e6) / 1000;
    if (warm.errors || warm.mismatches) {
      entry.problems.push(
        `warm-up: ${warm.errors} errors, ${warm.mismatches} wrong results (${warm.firstError || warm.firstMismatch})`,
      );
    }

    p.reset?.();
    const s0 = await target.stats();
    // a minimum duration makes the op count open-ended
    const lat = w.minSeconds ? [] : new Float64Array(w.ops);
    const near0 = c.nearCacheStats?.();
    const cpu0 = process.cpuUsage();
    const run = await guarded(
      closedLoop({
        total: w.ops,
        concurrency: w.concurrency,
        offset: w.warmup,
        op,
        check,
        lat,
        ctl,
        minMs: w.minSeconds * 1000,
        maxMs: w.maxSeconds * 1000,
      }),
      timeoutMs,
      ctl,
    );
    const cpu = process.cpuUsage(cpu0);
    if (near0) entry.nearCacheStats = nearCacheDelta(near0, c.nearCacheStats());
    if (nudger) {
      entry.tlsNudgeGets = nudger.stop();
      nudger = null;
    }
    if (run === 'timeout') throw new Error(`measured phase did not finish within ${timeoutMs / 1000}s`);
    const s1 = await target.stats();

    const seconds = run.elapsedNs / 1e9;
    entry.ops = run.done;
    entry.seconds = Math.round(seconds * 1000) / 1000;
    entry.opsPerSec = Math.round(run.done / seconds);
    if (w.kind === 'mget') entry.keysPerSec = Math.round((run.done * w.batch) / seconds);
    entry.latency = latencySummary(lat.subarray ? lat.subarray(0, run.done) : lat);
    if (run.done < w.ops) entry.cappedAtSeconds = w.maxSeconds;
    entry.errors = run.errors;
    entry.mismatches = run.mismatches;
    entry.clientCpu = Math.round(((cpu.user + cpu.system) / 1e6 / seconds) * 100) / 100; // cores busy
    entry.server = serverDelta(s0, s1);
    entry.serverCpu = Math.round((entry.server.cpuS / seconds) * 100) / 100;
    if (run.errors) entry.problems.push(`${run.errors} operations rejected (first: ${run.firstError})`);
    if (run.mismatches) entry.problems.push(`${run.mismatches} wrong results (first: ${run.firstMismatch})`);
    const ds = w.kind === 'getOrSet' || w.kind === 'skewed' ? null : dataset(w.size);
    const readbackCount = ds && populated.has(fill) ? ds.count : w.warmup + w.ops;
    entry.problems.push(...(await p.finish({ entry, server: entry.server, w, readbackCount })));
    if (w.rssProbes) await measureRss(w, entry, ctx);
  } finally {
    ctl.stop = true;
    nudger?.stop();
    for (const x of [c, p]) {
      if (!x?.close) continue;
      try {
        await Promise.race([x.close(), sleep(2000)]);
      } catch (e) {
        entry.problems.push(`close: ${errMsg(e)}`);
      }
    }
  }
}

/**
 * The near cache's own counters over the measured phase, for an adapter that
 * reports them (`nearCacheStats()`: counters only grow; entries and bytes are
 * taken at the end).
 */
function nearCacheDelta(before, after) {
  const out = {};
  for (const [k, v] of Object.entries(after)) {
    if (typeof v !== 'number') continue;
    const gauge = k === 'entries' || k === 'bytes' || k === 'maxBytes' || k === 'maxAge';
    out[k] = gauge ? v : v - (before[k] ?? 0);
  }
  return out;
}

/** Peak RSS of single large gets, each in a fresh process (lib/rss-probe.mjs). */
async function measureRss(w, entry, { adapterPath, target, prefix }) {
  const probes = [];
  for (let r = 0; r < w.rssProbes; r++) {
    const res = await probeRss({
      adapter: adapterPath,
      server: target.addrs[0],
      prefix,
      size: w.size,
      index: r % KEYSPACE[w.size],
      maxValueSize: LARGE_MAX_VALUE,
    });
    probes.push(res);
    if (!res.ok) entry.problems.push(`RSS probe: ${res.problem}`);
  }
  const copies = probes.filter((x) => x.ok).map((x) => x.copies);
  entry.rss = {
    probes,
    copiesMedian: median(copies),
    copiesMax: copies.length ? Math.max(...copies) : null,
    method: probes.find((x) => x.method)?.method,
  };
}
