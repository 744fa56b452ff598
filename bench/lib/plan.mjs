// Per-workload operations for the closed loop: what op #i does, how its result
// is checked against the key's own value, and how far the server's counters
// must move for the client's claim to hold. getOrSet (i) has its own plan in
// getorset.mjs.

import { describeValue } from './data.mjs';

/** Build op/check functions and the server-side expectations for a workload. */
export function plan(w, c, ds) {
  const N = ds.count;
  const setOk = (r) => r !== false;
  if (w.kind === 'set') {
    const op = (i) => c.set(ds.keys[i % N], ds.values[i % N], 0);
    const check = (_i, r) => setOk(r);
    check.describe = (_i, r) => `set returned ${describeValue(r)}`;
    return { op, check, expect: () => ({ cmd_set: w.ops }) };
  }
  if (w.kind === 'get') {
    const op = (i) => c.get(ds.keys[i % N]);
    const check = (i, r) => ds.matches(i % N, r);
    check.describe = (i, r) => `get ${ds.keys[i % N]} -> ${describeValue(r)}`;
    return { op, check, expect: () => ({ get_hits: w.ops }) };
  }
  if (w.kind === 'mget') {
    const G = ds.groups.length;
    const op = (i) => c.getMulti(ds.groups[i % G].keys.slice());
    const check = (i, r) => {
      if (!r || typeof r !== 'object') return false;
      const grp = ds.groups[i % G];
      const get = r instanceof Map ? (k) => r.get(k) : (k) => r[k];
      for (let j = 0; j < grp.keys.length; j++) {
        if (!ds.matches(grp.first + j, get(grp.keys[j]))) return false;
      }
      return true;
    };
    check.describe = (i, r) => {
      const grp = ds.groups[i % G];
      const get = r instanceof Map ? (k) => r.get(k) : (k) => r?.[k];
      for (let j = 0; j < grp.keys.length; j++) {
        const v = get(grp.keys[j]);
        if (!ds.matches(grp.first + j, v)) return `getMulti: ${grp.keys[j]} -> ${describeValue(v)}`;
      }
      return `getMulti returned ${describeValue(r)}`;
    };
    return { op, check, expect: () => ({ get_hits: w.ops * w.batch }) };
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
