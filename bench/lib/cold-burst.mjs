// Workload q: a burst of `ops` concurrent gets (distinct keys) on a client
// that has not connected yet: create() and every get are issued at once, with
// no warm-up. Reports the total time until every call has settled and how many
// sockets the server accepted meanwhile (`stats` total_connections). Every
// result must be its key's value and the server must have counted every hit;
// more than `SOCKETS_PER_SERVER_TARGET` sockets per server is reported as a
// connection storm (a measured fact, not an invalid run).

import { Dataset, describeValue } from './data.mjs';
import { errMsg, guarded, within } from './loop.mjs';

/** What the issue allows a client to open on a cold burst, per server. */
export const SOCKETS_PER_SERVER_TARGET = 2;

const hr = () => process.hrtime.bigint();

/**
 * @param {object} w the workload (ops = number of gets)
 * @param {object} o
 * @param {(servers: string[], opts?: object) => Promise<object>} o.create the adapter's create()
 * @param {import('./servers.mjs').ServerSet} o.target
 * @param {string} o.prefix
 * @param {number} o.timeoutMs
 * @param {object} o.entry the workload's result entry (filled in)
 */
export async function runColdBurst(w, { create, target, prefix, timeoutMs, entry }) {
  const ds = new Dataset(`${prefix}:cold`, w.ops, w.size);
  await target.raws[0].setMany(ds.keys.map((k, i) => [k, ds.bufs[i]]));
  const s0 = await target.stats();
  const ctl = { stop: false };
  const t0 = hr();
  // coldStart: an adapter that connects in create() must not, here
  const c = await within(Promise.resolve(create(target.addrs, { coldStart: true })), 30_000, 'create()');
  try {
    const calls = new Array(w.ops);
    for (let i = 0; i < w.ops; i++) {
      try {
        calls[i] = c.get(ds.keys[i]);
      } catch (e) {
        calls[i] = Promise.reject(e);
      }
    }
    const settled = await guarded(Promise.allSettled(calls), timeoutMs, ctl);
    if (settled === 'timeout') throw new Error(`the burst did not settle within ${timeoutMs / 1000}s`);
    const totalNs = Number(hr() - t0);
    const s1 = await target.stats();
    let rejected = 0;
    let wrong = 0;
    let first = null;
    for (let i = 0; i < settled.length; i++) {
      const r = settled[i];
      if (r.status === 'rejected') {
        rejected++;
        first ??= `get ${ds.keys[i]} rejected: ${errMsg(r.reason)}`;
      } else if (!ds.matches(i, r.value)) {
        wrong++;
        first ??= `get ${ds.keys[i]} -> ${describeValue(r.value)}`;
      }
    }
    const servers = target.addrs.length;
    const sockets = s1.total_connections - s0.total_connections;
    Object.assign(entry, {
      ops: w.ops,
      seconds: Math.round(totalNs / 1e6) / 1000,
      totalMs: Math.round(totalNs / 1e5) / 10,
      opsPerSec: Math.round(w.ops / (totalNs / 1e9)),
      errors: rejected,
      mismatches: wrong,
      sockets,
      socketsPerServer: sockets / servers,
      storm: sockets / servers > SOCKETS_PER_SERVER_TARGET,
      server: { get_hits: s1.get_hits - s0.get_hits, cmd_get: s1.cmd_get - s0.cmd_get },
    });
    if (rejected || wrong)
      entry.problems.push(`${rejected} rejected, ${wrong} wrong results (first: ${first})`);
    if (!(entry.server.get_hits >= w.ops))
      entry.problems.push(`server counted get_hits=${entry.server.get_hits} but the client claims ${w.ops}`);
  } finally {
    await Promise.race([Promise.resolve(c.close()).catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
  }
}
