/**
 * The live state of every open client, for metrics that are sampled rather
 * than counted: connections by state, requests outstanding, servers marked
 * dead. Pulled, never pushed, so it costs nothing until someone asks: a
 * collector publishes a `ClientCensus` message on `memkit:client:census` and
 * every open client of every loaded copy of this module (ESM and CJS builds
 * alike) appends its servers. Clients that were created before the collector
 * subscribed are counted too.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Cluster } from './cluster/cluster';
import type { ServerState } from './cluster/health';

/** Connections of one server, by state. */
export interface ConnectionStates {
  /** Opening (TCP/TLS handshake, auth). */
  connecting: number;
  /** Ready with no request outstanding. */
  idle: number;
  /** Ready with requests queued or awaiting replies. */
  used: number;
}

/** One server of one client. */
export interface ServerCensus {
  /** memkit's address of the server (`'host:port'`, `'[v6]:port'` or a socket path). */
  address: string;
  /** Host name or IP as configured (the socket path for a unix socket). */
  host: string;
  /** TCP port; undefined for a unix socket. */
  port: number | undefined;
  /** Marked dead by failover (state `dead` or `probing`). */
  dead: boolean;
  /** Its circuit-breaker state: `healthy`, `suspect`, `dead` or `probing` (see the README, "Failures and outages"). */
  state: ServerState;
  /** Keys waiting to be invalidated on it (see `invalidationBudget`). */
  pendingInvalidations: number;
  /** Its open connections, by state. */
  connections: ConnectionStates;
  /** `connectionsPerServer`. */
  maxConnections: number;
  /** Requests sent to this server and not answered yet (queued for writing or awaiting replies). */
  pending: number;
}

/** The message of `memkit:client:census`: each open client appends one entry. */
export interface ClientCensus {
  /** One entry per open client, in the order they answered. */
  clients: Array<{
    /** The client's servers, in configuration order. */
    servers: ServerCensus[];
  }>;
}

/** The census channel's name. */
export const CENSUS_CHANNEL = 'memkit:client:census';

const open = new Set<WeakRef<Cluster>>();
const refs = new WeakMap<Cluster, WeakRef<Cluster>>();

/** Counts `cluster` in every census until `forget` (a forgotten, unreachable client drops out by itself). */
export function enroll(cluster: Cluster): void {
  const ref = new WeakRef(cluster);
  refs.set(cluster, ref);
  open.add(ref);
}

/** Stops counting `cluster` (the client closed). */
export function forget(cluster: Cluster): void {
  const ref = refs.get(cluster);
  if (ref) open.delete(ref);
}

function answer(message: unknown): void {
  const census = message as ClientCensus;
  if (!Array.isArray(census?.clients)) return;
  for (const ref of open) {
    const cluster = ref.deref();
    if (!cluster) {
      open.delete(ref);
      continue;
    }
    census.clients.push({
      servers: cluster.pools.map((pool) => {
        const n = pool.node;
        const { states, pending } = pool.census();
        return {
          address: n.address,
          host: n.host,
          port: n.socketPath ? undefined : n.port,
          dead: cluster.isDead(n.address),
          state: cluster.state(n.address),
          pendingInvalidations: cluster.invalidations.describe(n.address).keys,
          connections: states,
          maxConnections: pool.maxConnections,
          pending,
        };
      }),
    });
  }
}

diagnostics.subscribe(CENSUS_CHANNEL, answer);
