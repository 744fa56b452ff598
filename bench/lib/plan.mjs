// Per-workload operations for the closed loop: what op #i does, how its result
// is checked against the key's own value, and how far the server's counters
// must move for the client's claim to hold. getOrSet (i) has its own plan in
// getorset.mjs, the skewed workload (j) in skewed.mjs.
//
// Every plan has the same shape: { op(i), check(i, result, t0), finish(ctx) },
// optionally reset() (before the measured phase), populate() (fills its key
// space itself instead of the standard fill through the client) and close().
// finish({ entry, server, w, readbackCount }) adds its facts to the result
// entry and returns the problems that make the workload INVALID.

import { describeValue } from './data.mjs';

/** Plan of the get/set/mget/mixed workloads, with the counter checks and the raw read-back. */
export function plan(w, c, ds, target) {
  const p = ops(w, c, ds);
  p.finish = async ({ entry, server, readbackCount }) => {
    const problems = [];
    const exp = p.expect(w.warmup, w.warmup + entry.ops);
    for (const [k, want] of Object.entries(exp)) {
      if (!(server[k] >= want))
        problems.push(`server counted ${k}=${server[k]} but the client claims ${want}`);
    }
    // how many server-side operations per claimed one (retries, extra round trips)
    const claimed = Object.values(exp).reduce((a, b) => a + b, 0);
    const seen =
      (exp.get_hits !== undefined ? server.cmd_get : 0) + (exp.cmd_set !== undefined ? server.cmd_set : 0);
    entry.serverOpsPerClaimed = Math.round((seen / claimed) * 1000) / 1000;
    if (w.kind === 'set' || w.kind === 'mixed') {
      // every key this workload (warm-up + measured) wrote must hold its exact value
      const v = await target.verify(ds, readbackCount);
      entry.readback = v;
      if (!v.ok)
        problems.push(
          `raw read-back: ${v.missing} missing, ${v.mismatched} wrong, ${v.duplicated} on several servers (${v.first})`,
        );
    }
    return problems;
  };
  return p;
}

function ops(w, c, ds) {
  const N = ds.count;
  const setOk = (r) => r !== false;
  if (w.kind === 'set') {
    const op = (i) => c.set(ds.keys[i % N], ds.values[i % N], 0);
    const check = (_i, r) => setOk(r);
    check.describe = (_i, r) => `set returned ${describeValue(r)}`;
    return { op, check, expect: (from, to) => ({ cmd_set: to - from }) };
  }
  if (w.kind === 'get') {
    const op = (i) => c.get(ds.keys[i % N]);
    const check = (i, r) => ds.matches(i % N, r);
    check.describe = (i, r) => `get ${ds.keys[i % N]} -> ${describeValue(r)}`;
    return { op, check, expect: (from, to) => ({ get_hits: to - from }) };
  }
  if (w.kind === 'mget') {
    const groups = ds.groupsOf(w.batch);
    const G = groups.length;
    const op = (i) => c.getMulti(groups[i % G].keys.slice());
    const check = (i, r) => {
      if (!r || typeof r !== 'object') return false;
      const grp = groups[i % G];
      const get = r instanceof Map ? (k) => r.get(k) : (k) => r[k];
      for (let j = 0; j < grp.keys.length; j++) {
        if (!ds.matches(grp.first + j, get(grp.keys[j]))) return false;
      }
      return true;
    };
    check.describe = (i, r) => {
      const grp = groups[i % G];
      const get = r instanceof Map ? (k) => r.get(k) : (k) => r?.[k];
      for (let j = 0; j < grp.keys.length; j++) {
        const v = get(grp.keys[j]);
        if (!ds.matches(grp.first + j, v)) return `getMulti: ${grp.keys[j]} -> ${describeValue(v)}`;
      }
      return `getMulti returned ${describeValue(r)}`;
    };
    return { op, check, expect: (from, to) => ({ get_hits: (to - from) * w.batch }) };
  }
  if (w.kind === 'mixed') {
    const isSet = (i) => i % 10 === 9; // exactly 10% sets
    const op = (i) => (isSet(i) ? c.set(ds.keys[i % N], ds.values[i % N], 0) : c.get(ds.keys[i % N]));
    const check = (i, r) => (isSet(i) ? setOk(r) : ds.matches(i % N, r));
    check.describe = (i, r) => `${isSet(i) ? 'set' : 'get'} ${ds.keys[i % N]} -> ${describeValue(r)}`;
    return {
      op,
      check,
      expect: (from, to) => {
        let sets = 0;
        for (let i = from; i < to; i++) if (isSet(i)) sets++;
        return { get_hits: to - from - sets, cmd_set: sets };
      },
    };
  }
  throw new Error(`unknown workload kind ${w.kind}`);
}
