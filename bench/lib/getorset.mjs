// Workload i: getOrSet on a few hot keys with a short TTL, so they expire
// again and again while `concurrency` callers hammer them. It owns the hot
// key set, the instrumented loader, the get→load→set emulation for adapters
// without a native getOrSet, and the count of loader calls per expiry.
//
// An expiry is counted from the loader calls themselves: memcached's clock
// ticks once a second, so a key with TTL 1 s expires at most once per tick,
// while the reloads one expiry triggers all start within the few ms before
// the first reload is stored. Loader calls on the same key that start less
// than half a TTL after the first call of a burst belong to that burst.

import { makeValue } from './data.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isMiss = (v) => v === null || v === undefined;

/**
 * Group one key's loader start times (ms, ascending) into expiry bursts.
 * @param {number[]} times
 * @param {number} gapMs a call this long after a burst's first call starts a new burst
 */
export function countBursts(times, gapMs) {
  let bursts = 0;
  let start = -Infinity;
  for (const t of times) {
    if (t - start >= gapMs) {
      bursts++;
      start = t;
    }
  }
  return bursts;
}

/**
 * @param {{hotKeys:number, ttl:number, loaderMs:number, concurrency:number}} w
 * @param {object} c the adapter instance
 * @param {string} prefix
 */
export function getOrSetPlan(w, c, prefix) {
  const keys = Array.from({ length: w.hotKeys }, (_, k) => `${prefix}:hot:${k}`);
  const values = keys.map((_, k) => makeValue('hot', k, 100));
  const bufs = values.map((v) => Buffer.from(v, 'latin1'));
  const native = typeof c.getOrSet === 'function';
  let calls = keys.map(() => []);

  const loaderFor = (k) => async () => {
    calls[k].push(performance.now());
    await sleep(w.loaderMs);
    return values[k];
  };
  const loaders = keys.map((_, k) => loaderFor(k));

  // What an application does without a getOrSet: no coordination at all.
  const emulated = async (key, loader, ttl) => {
    const hit = await c.get(key);
    if (!isMiss(hit)) return hit;
    const v = await loader();
    await c.set(key, v, ttl);
    return v;
  };
  const gos = native ? (key, loader, ttl) => c.getOrSet(key, loader, ttl) : emulated;

  const op = (i) => gos(keys[i % keys.length], loaders[i % keys.length], w.ttl);
  const matches = (k, r) =>
    typeof r === 'string' ? r === values[k] : r instanceof Uint8Array ? bufs[k].equals(r) : false;
  const check = (i, r) => matches(i % keys.length, r);

  return {
    native,
    op,
    check,
    keys,
    /** Forget the loader calls so far (the warm-up's). */
    reset() {
      calls = keys.map(() => []);
    },
    /** Loader counts, shared in-flight calls, and the checks of getOrSetProblems(). */
    async finish({ entry, server }) {
      entry.emulated = !native;
      Object.assign(entry, this.loads());
      // below 1 when the client shares one in-flight call among concurrent callers of a key
      entry.serverGetsPerCall = Math.round((server.cmd_get / entry.ops) * 1000) / 1000;
      return getOrSetProblems(w, { ops: entry.ops, seconds: entry.seconds, loads: entry, server });
    },
    /** Loader calls and expiry bursts since the last reset. */
    loads() {
      const gapMs = (w.ttl * 1000) / 2;
      const perKey = calls.map((t) => ({ calls: t.length, expiries: countBursts(t, gapMs) }));
      const loaderCalls = perKey.reduce((a, x) => a + x.calls, 0);
      const expiries = perKey.reduce((a, x) => a + x.expiries, 0);
      return {
        loaderCalls,
        expiries,
        minExpiriesPerKey: Math.min(...perKey.map((x) => x.expiries)),
        loadersPerExpiry: expiries ? Math.round((loaderCalls / expiries) * 100) / 100 : null,
      };
    },
  };
}

/**
 * Checks that tie workload i to the server, so a client that caches locally
 * or ignores the TTL cannot post a number. `seconds` is the measured phase.
 */
export function getOrSetProblems(w, { ops, seconds, loads, server }) {
  const problems = [];
  // At most `concurrency` callers are in flight, so one server round trip can
  // answer at most that many of them (in-process sharing included).
  const minGets = Math.ceil(ops / w.concurrency);
  if (!(server.cmd_get >= minGets))
    problems.push(
      `server counted cmd_get=${server.cmd_get} but ${ops} getOrSet calls need at least ${minGets}`,
    );
  // Every expiry is followed by a reload that goes through the server.
  if (!(server.cmd_set >= loads.expiries))
    problems.push(
      `server counted cmd_set=${server.cmd_set} but the keys were reloaded ${loads.expiries} times`,
    );
  // TTL 1 s on memcached's 1 s clock: each key expires on (almost) every tick.
  const minExpiries = Math.floor(seconds / w.ttl) - 1;
  if (minExpiries > 0 && loads.minExpiriesPerKey < minExpiries)
    problems.push(
      `a hot key was reloaded after only ${loads.minExpiriesPerKey} expiries in ${seconds.toFixed(1)} s (TTL ${w.ttl} s): TTL not honoured?`,
    );
  return problems;
}
