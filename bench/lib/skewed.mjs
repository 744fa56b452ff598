// Workload j: a skewed read-mostly load (zipf over a large key space, every
// `setEvery`-th op a set) whose reads are checked for STALENESS, so a client
// with a near cache (an in-process cache in front of memcached) can post a
// number only if it keeps its promise of bounded staleness.
//
// Sets go through a second client instance (the "writer"), as another
// process's writes would: a near cache in the reader cannot see them, so only
// its maxAge bounds how old a value it serves can be. Each value carries its
// key, a per-key version and the write's wall-clock time; the harness keeps
// every version it wrote and when its set was acknowledged. Writes to one key
// are serialised (a set waits for the previous set of that key), so versions
// reach the server in order and acknowledgement times grow with the version.
//
// The rule, for a read of key k that STARTED at time R and returned value x:
//   1. x must be, byte for byte, a version v of key k that the harness wrote
//      (wrong key, wrong bytes, a miss: a wrong result);
//   2. if version v+1 of key k was acknowledged at time A(v+1) (by the writer's
//      set resolving), the read is stale when A(v+1) < R - maxAge - slack.
// That is: the value returned must still have been the newest acknowledged
// one at some instant no earlier than maxAge + slack before the read began.
// maxAge is the harness's (workload j's nearCache.maxAge) when the adapter
// says it enabled a near cache, and 0 otherwise. slack (BENCH_STALE_SLACK_MS,
// default 50 ms) covers the time between memcached answering a get and the
// client taking the answer: a near cache that stamps an entry when the answer
// arrives is right by its own clock but up to one (loaded) round trip late.
// A client without a cache can never fail rule 2: a get issued after a set
// was acknowledged is answered by the server after that set.

import { createPrng } from '@memkit/testing/prng';
import { describeValue } from './data.mjs';

const FILL = 'z'.repeat(100);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * `length` ranks in [0, n) drawn with P(r) ∝ 1/(r+1)^s.
 * @returns {Uint32Array}
 */
export function zipfSequence(n, s, length, seed = 0x5eed) {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) cdf[r] = sum += 1 / (r + 1) ** s;
  for (let r = 0; r < n; r++) cdf[r] /= sum;
  const rand = createPrng(seed); // every client sees the same key sequence
  const out = new Uint32Array(length);
  for (let i = 0; i < length; i++) {
    const u = rand();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    out[i] = lo;
  }
  return out;
}

/** The stored value of version `v` of key `k`: 100 bytes, key, version and write time first. */
export function skewedValue(k, v, wallMs = Date.now()) {
  const head = `j${k}.${v}.${wallMs}.`;
  return head + FILL.slice(head.length);
}

const SEQUENCE_LENGTH = 1 << 20;

/**
 * @param {object} w the workload (keys, zipfS, setEvery)
 * @param {object} o
 * @param {object} o.reader adapter instance that does the gets
 * @param {object} o.writer adapter instance that does the sets
 * @param {import('./servers.mjs').ServerSet} o.target
 * @param {string} o.prefix
 * @param {number} o.maxAgeMs 0 without a near cache
 * @param {number} o.slackMs
 * @param {boolean} o.nearCache whether the reader runs with a near cache
 */
export function skewedPlan(w, { reader, writer, target, prefix, maxAgeMs, slackMs, nearCache }) {
  const n = w.keys;
  const seq = zipfSequence(n, w.zipfS, SEQUENCE_LENGTH);
  const keys = Array.from({ length: n }, (_, k) => `${prefix}:z:${k}`);
  const written = keys.map((_, k) => [skewedValue(k, 0)]); // version -> value
  const ackedAt = keys.map(() => [0]); // version -> ms (Infinity while its set is in flight)
  const tail = new Map(); // key index -> the last set of that key, to serialise writes
  const isSet = (i) => i % w.setEvery === w.setEvery - 1;
  const bound = maxAgeMs + slackMs;
  let st;
  const reset = () => {
    st = { reads: 0, sets: 0, stale: 0, firstStale: null, maxStalenessMs: 0 };
  };
  reset();

  const doSet = (k) => async () => {
    const v = written[k].length;
    const value = skewedValue(k, v);
    written[k].push(value);
    ackedAt[k].push(Number.POSITIVE_INFINITY);
    const r = await writer.set(keys[k], value, 0);
    ackedAt[k][v] = nowMs();
    return r;
  };
  const op = (i) => {
    const k = seq[i % SEQUENCE_LENGTH];
    if (!isSet(i)) {
      st.reads++;
      return reader.get(keys[k]);
    }
    st.sets++;
    const prev = tail.get(k);
    const p = prev ? prev.then(doSet(k)) : doSet(k)();
    const settled = p.then(
      () => {},
      () => {},
    );
    tail.set(k, settled);
    settled.then(() => {
      if (tail.get(k) === settled) tail.delete(k);
    });
    return p;
  };
  const asString = (r) =>
    typeof r === 'string'
      ? r
      : r instanceof Uint8Array
        ? Buffer.from(r.buffer, r.byteOffset, r.byteLength).toString('latin1')
        : null;
  const versionOf = (s) => {
    const a = s.indexOf('.');
    return a < 0 ? -1 : Number(s.slice(a + 1, s.indexOf('.', a + 1)));
  };
  const check = (i, r, t0) => {
    if (isSet(i)) return r !== false;
    const k = seq[i % SEQUENCE_LENGTH];
    const s = asString(r);
    if (s === null) return false;
    const v = versionOf(s);
    if (!(v >= 0 && v < written[k].length) || written[k][v] !== s) return false;
    const next = ackedAt[k][v + 1];
    if (next !== undefined && next !== Number.POSITIVE_INFINITY) {
      const started = Number(t0) / 1e6;
      const age = started - next; // how long before the read began the value had been replaced
      if (age > st.maxStalenessMs) st.maxStalenessMs = age;
      if (age > bound) {
        st.stale++;
        st.firstStale ??= `${keys[k]} returned version ${v}, replaced by version ${v + 1} ${age.toFixed(1)} ms before the read began`;
      }
    }
    return true;
  };
  check.describe = (i, r) =>
    `${isSet(i) ? 'set' : 'get'} ${keys[seq[i % SEQUENCE_LENGTH]]} -> ${describeValue(r)}`;

  return {
    op,
    check,
    reset,
    /** Store version 0 of every key (over the harness's raw connection). */
    async populate() {
      await target.raws[0].setMany(keys.map((key, k) => [key, written[k][0]]));
    },
    /** Staleness, server counters, and the final value of every key read back raw. */
    async finish({ entry, server }) {
      const problems = [];
      Object.assign(entry, {
        reads: st.reads,
        sets: st.sets,
        staleReads: st.stale,
        maxStalenessMs: Math.round(st.maxStalenessMs * 10) / 10,
        staleBoundMs: bound,
        serverReadFraction: st.reads ? Math.round((server.cmd_get / st.reads) * 1000) / 1000 : null,
      });
      // with an adapter that reports its near cache's counters: the share of reads it answered itself
      const hits = entry.nearCacheStats?.hits;
      if (hits !== undefined && st.reads)
        entry.nearCacheHitRatio = Math.round((hits / st.reads) * 1000) / 1000;
      if (st.stale)
        problems.push(
          `${st.stale} stale reads beyond maxAge ${maxAgeMs} ms + slack ${slackMs} ms (first: ${st.firstStale})`,
        );
      if (!(server.cmd_set >= st.sets))
        problems.push(`server counted cmd_set=${server.cmd_set} but the client claims ${st.sets} sets`);
      // without a near cache every read must reach the server (all keys exist)
      if (!nearCache && !(server.get_hits >= st.reads))
        problems.push(`server counted get_hits=${server.get_hits} but the client claims ${st.reads} gets`);
      const v = await readBack(target, keys, written, ackedAt);
      entry.readback = v;
      if (v.wrong)
        problems.push(`raw read-back: ${v.wrong} keys do not hold their last written version (${v.first})`);
      return problems;
    },
  };
}

async function readBack(target, keys, written, ackedAt) {
  let wrong = 0;
  let checked = 0;
  let first = null;
  for (let g = 0; g < keys.length; g += 100) {
    const batch = keys.slice(g, g + 100);
    const got = await target.raws[0].getMany(batch);
    for (let j = 0; j < batch.length; j++) {
      const k = g + j;
      const last = written[k].length - 1;
      if (!Number.isFinite(ackedAt[k][last])) continue; // its set failed: either version may be there
      checked++;
      const hit = got.get(batch[j]);
      if (hit?.data.toString('latin1') !== written[k][last]) {
        wrong++;
        first ??= `${batch[j]} holds ${describeValue(hit?.data)}, last written version ${last}`;
      }
    }
  }
  return { checked, wrong, first };
}
