// The harness's own view of the memcached server(s) a workload runs against:
// one raw connection per server, counters summed over all of them, and a
// read-back that finds out which server(s) hold each key. Workload h runs on
// three servers, everything else on one; both go through this module, so a
// single-server workload is simply a set of one.

import { describeValue } from './data.mjs';
import { RawClient } from './raw.mjs';

export class ServerSet {
  /**
   * @param {string[]} addrs 'host:port'
   * @param {{ tls?: import('node:tls').ConnectionOptions }} [opts] for servers that speak TLS
   */
  constructor(addrs, opts = {}) {
    this.addrs = addrs;
    this.opts = opts;
    this.raws = [];
  }

  async connect() {
    for (const a of this.addrs) {
      const [host, port] = a.split(':');
      this.raws.push(await new RawClient(host, Number(port), this.opts).connect());
    }
    return this;
  }

  close() {
    for (const r of this.raws) r.close();
  }

  async flushAll() {
    for (const r of this.raws) await r.flushAll();
  }

  /**
   * `stats` of every server, numeric fields summed (rusage included, so the
   * CPU figure is what all the servers together burned).
   * @returns {Promise<Record<string, number>>}
   */
  async stats() {
    const sum = {};
    for (const r of this.raws) {
      const s = await r.stats();
      for (const [k, v] of Object.entries(s)) {
        const n = Number(v);
        if (Number.isFinite(n)) sum[k] = (sum[k] ?? 0) + n;
      }
    }
    return sum;
  }

  /**
   * Read every key of `ds` (the first `upto`) back from EVERY server and
   * compare bytes. A key must live on exactly one server: on none is
   * "missing", on several is "duplicated" (a client that writes every key to
   * every server is not sharding). `perServer[i]` counts the keys found on
   * server i, so the caller can tell whether the client spread them at all.
   */
  async verify(ds, upto = ds.count) {
    let missing = 0,
      mismatched = 0,
      duplicated = 0,
      first = null;
    const perServer = this.raws.map(() => 0);
    const n = Math.min(upto, ds.count);
    for (let g = 0; g < n; g += 100) {
      const keys = ds.keys.slice(g, Math.min(g + 100, n));
      const got = [];
      for (const r of this.raws) got.push(await r.getMany(keys));
      for (let j = 0; j < keys.length; j++) {
        const where = [];
        for (let s = 0; s < got.length; s++) if (got[s].has(keys[j])) where.push(s);
        for (const s of where) perServer[s]++;
        if (where.length === 0) {
          missing++;
          first ??= `${keys[j]} missing on server`;
          continue;
        }
        if (where.length > 1) {
          duplicated++;
          first ??= `${keys[j]} found on ${where.length} servers`;
        }
        const hit = got[where[0]].get(keys[j]);
        if (!hit.data.equals(ds.bufs[g + j])) {
          mismatched++;
          first ??= `${keys[j]} stored as ${describeValue(hit.data)}`;
        }
      }
    }
    return {
      checked: n,
      missing,
      mismatched,
      duplicated,
      perServer,
      first,
      ok: missing === 0 && mismatched === 0 && duplicated === 0,
    };
  }
}
