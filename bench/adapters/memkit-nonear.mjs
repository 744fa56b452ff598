// Adapter: memkit without its near cache, on the skewed workload (j) only.
// The same client and settings as adapters/memkit.mjs, but it never enables
// the near cache j offers, so one run shows what the near cache itself buys
// (memkit with it vs without it) next to the peers. Without a near cache the
// harness holds its reads to maxAge 0 (every read must see the last
// acknowledged write), as for any other client.
import * as memkit from './memkit.mjs';

export const meta = {
  ...memkit.meta,
  name: 'memkit-nonear',
  only: ['j'],
  options: 'memkit as in the memkit row, near cache off (the reference for what it buys)',
};

/** @param {string[]} servers @param {object} [opts] */
export const create = (servers, opts = {}) => memkit.create(servers, { ...opts, nearCache: undefined });
