// The measuring loop and the timeouts around every call into a client under
// test. A client that hangs must cost a workload, never the whole run.

import { describeValue } from './data.mjs';

const hr = () => process.hrtime.bigint();
export const errMsg = (e) => (e instanceof Error ? e.message : String(e));
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Ops a time-capped phase runs whatever the cap (so p50/p99 rest on a few samples at least). */
const MIN_OPS = 3;

/**
 * Closed-loop driver: `concurrency` async workers each keep exactly one
 * operation in flight until `total` operations have been issued and, when
 * `minMs` is given, at least that much time has passed. With `maxMs`, no op
 * starts after that much time once `MIN_OPS` have started (slow clients on
 * the large-value rows). Either way the ops that ran are #0 … #done-1.
 * `check(i, result, t0)` gets the op's start time (process.hrtime.bigint()).
 */
export async function closedLoop({
  total,
  concurrency,
  offset = 0,
  op,
  check,
  lat,
  ctl,
  minMs = 0,
  maxMs = 0,
}) {
  let next = 0;
  const r = { errors: 0, mismatches: 0, firstError: null, firstMismatch: null, done: 0 };
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      if (ctl.stop) return;
      const n = next++;
      if (n >= total && (!minMs || performance.now() - started >= minMs)) return;
      if (maxMs && n >= MIN_OPS && performance.now() - started >= maxMs) return;
      const i = n + offset;
      const t0 = hr();
      let res;
      try {
        res = await op(i);
      } catch (e) {
        if (lat) lat[n] = Number(hr() - t0);
        r.errors++;
        r.done++;
        if (!r.firstError) r.firstError = errMsg(e);
        continue;
      }
      if (lat) lat[n] = Number(hr() - t0);
      r.done++;
      if (check && !check(i, res, t0)) {
        r.mismatches++;
        if (!r.firstMismatch)
          r.firstMismatch = `op #${i}: ${check.describe ? check.describe(i, res) : describeValue(res)}`;
      }
    }
  };
  const t0 = hr();
  await Promise.all(Array.from({ length: concurrency }, worker));
  r.elapsedNs = Number(hr() - t0);
  return r;
}

/** Reject if `promise` takes longer than `ms` (for create()/close()/smoke). */
export function within(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000}s`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

/** Resolve 'timeout' (and tell the loop to stop) if `promise` takes longer than `ms`. */
export async function guarded(promise, ms, ctl) {
  let timer;
  const t = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  const r = await Promise.race([promise, t]);
  clearTimeout(timer);
  if (r === 'timeout') ctl.stop = true;
  return r;
}

/**
 * Call `fn` every `everyMs` until stopped, ignoring its result. Used on the
 * TLS set workload: memcached before 1.6.39 can leave a pipelined set's
 * successor unread in OpenSSL's buffer and sleep until more bytes arrive on
 * that connection (memcached commit 96e05b75f, "tls: fix potential hang when
 * pipelining sets"). When every in-flight request is behind that point, no
 * more bytes come and each of them waits for the client's timeout. A small
 * unmeasured get through the same client bounds that wait to `everyMs`.
 * @returns {{ stop(): number }} stop() returns how many calls were made
 */
export function startNudger(fn, everyMs) {
  let calls = 0;
  const timer = setInterval(() => {
    calls++;
    try {
      Promise.resolve(fn()).catch(() => {});
    } catch {}
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return calls;
    },
  };
}
