// The memcached servers one run needs, started together and stopped together
// (only these processes, by pid): the main server, plus, when a selected
// workload needs them, three cluster servers (h), a TLS server (`-Z`, with a
// throw-away self-signed certificate), a large-item server (`-I 32m`) and a
// "fresh" server for the workloads that store 100k small keys (j, q): the
// main server's memory is all in memaslap's 10 KB slab class after the C
// reference, and memcached moves pages between classes slowly, so 100k new
// small items there would mostly be evicted at once.
// run.mjs and the self-test both start their servers here, and
// `workerArgs()` tells a worker where each one is.

import { startMemcached } from './server.mjs';
import { makeSelfSignedCert, memcachedTlsArgs } from './tls.mjs';

/** What the selected workloads need besides the main server. */
export function fleetNeeds(workloads) {
  return {
    cluster: Math.max(0, ...workloads.map((w) => w.servers ?? 0)),
    tls: workloads.some((w) => w.on === 'tls'),
    large: workloads.some((w) => w.on === 'large'),
    fresh: workloads.some((w) => w.on === 'fresh'),
  };
}

/** Largest item the large-item server takes (`-I`), and what adapters may send to it. */
export const LARGE_ITEM_MB = 32;

/**
 * @param {object[]} workloads the selected workload definitions
 * @param {{ threads?: number, memoryMb?: number, extraArgs?: string[] }} mcOptions the main server's
 */
export async function startFleet(workloads, mcOptions = {}) {
  const need = fleetNeeds(workloads);
  const fleet = { main: null, cluster: [], tls: null, cert: null, large: null, fresh: null };
  const all = () => [fleet.main, ...fleet.cluster, fleet.tls, fleet.large, fleet.fresh].filter(Boolean);
  const small = { ...mcOptions, memoryMb: Math.min(mcOptions.memoryMb ?? 1024, 256) };
  try {
    fleet.main = await startMemcached(mcOptions);
    for (let i = 0; i < need.cluster; i++) fleet.cluster.push(await startMemcached(small));
    if (need.tls) {
      fleet.cert = makeSelfSignedCert();
      const tls = { ca: fleet.cert.ca };
      const extraArgs = [...(small.extraArgs ?? []), ...memcachedTlsArgs(fleet.cert)];
      fleet.tls = await startMemcached({ ...small, extraArgs, tls });
    }
    if (need.large) {
      const extraArgs = [...(mcOptions.extraArgs ?? []), '-I', `${LARGE_ITEM_MB}m`];
      fleet.large = await startMemcached({ ...mcOptions, memoryMb: 512, extraArgs });
    }
    if (need.fresh) fleet.fresh = await startMemcached(small);
  } catch (e) {
    for (const m of all()) m.stopSync();
    fleet.cert?.remove();
    throw e;
  }
  return {
    ...fleet,
    pids: () => all().map((m) => m.pid),
    /** Arguments of lib/worker.mjs that locate every server. */
    workerArgs() {
      return [
        '--server',
        fleet.main.server,
        '--cluster',
        fleet.cluster.map((m) => m.server).join(','),
        ...(fleet.tls ? ['--tls-server', fleet.tls.server, '--tls-ca', fleet.cert.certFile] : []),
        ...(fleet.large ? ['--large-server', fleet.large.server] : []),
        ...(fleet.fresh ? ['--fresh-server', fleet.fresh.server] : []),
      ];
    },
    /** One line per extra server, for the report header. */
    describe() {
      const args = (m) => `\`${m.args.slice(1).join(' ')}\``;
      return [
        ...(fleet.cluster.length
          ? [`Workload h: ${fleet.cluster.length} more memcacheds, ${args(fleet.cluster[0])}.`]
          : []),
        ...(fleet.tls
          ? [`TLS workloads: ${args(fleet.tls)} (self-signed certificate made by the harness).`]
          : []),
        ...(fleet.large ? [`Large values: ${args(fleet.large)}.`] : []),
        ...(fleet.fresh ? [`Skewed and cold burst: ${args(fleet.fresh)}.`] : []),
      ];
    },
    async stop() {
      for (const m of all()) await m.stop();
      fleet.cert?.remove();
    },
    stopSync() {
      for (const m of all()) m.stopSync();
      fleet.cert?.remove();
    },
  };
}
