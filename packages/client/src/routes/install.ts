/**
 * Puts the warm-up and shadow routes in front of a client's calls. With
 * neither option the client is left as it is (no cost on its calls). With
 * one, the calls they concern are replaced on the client instance by ones
 * that run the client's own method and add the route's part; views
 * (`withKeyOptions`) inherit them. The clients of the old cluster (when
 * given as servers/options) and of the shadow pool are built here, from the
 * client's own options, and closed with it.
 */
import { MemkitError } from '@memkit/protocol';
import type { Client } from '../client';
import type { ClientOptions, ResolvedOptions } from '../options';
import { DEFAULT_SHADOW_QUEUE, Shadow } from './shadow';
import { WarmUp } from './warm-up';
import { wrapReads, wrapWrites } from './wrap';

/** The routes of one client. */
export interface Routes {
  warmUp: WarmUp | undefined;
  shadow: Shadow | undefined;
  /** Set once `close()` was called: writes no longer reach the old cluster. */
  closed: boolean;
}

/** Options the route clients never take from the client (they are the client's own routing). */
const NOT_INHERITED: readonly (keyof ClientOptions)[] = [
  'servers',
  'discovery',
  'resolver',
  'failover',
  'gutter',
  'replicas',
  'replicaWrites',
  'invalidationBudget',
  'flushOnReconnect',
  // Their failures are the routes' to count (old cluster: misses; shadow: failed), not misses already.
  'onError',
  'warmFrom',
  'warmTtl',
  'shadow',
];

/** Builds the routes `resolved` asks for and installs them on `client`; undefined when none. */
export function installRoutes(
  client: Client,
  input: ClientOptions,
  resolved: ResolvedOptions,
  make: (options: ClientOptions) => Client,
): Routes | undefined {
  if (resolved.warmFrom === undefined && resolved.shadow === undefined) return undefined;
  const base: ClientOptions = { ...input };
  for (const name of NOT_INHERITED) delete base[name];
  const routes: Routes = { warmUp: undefined, shadow: undefined, closed: false };
  const w = resolved.warmFrom;
  if (w !== undefined) {
    const owned = !('get' in w && typeof w.get === 'function');
    const old = owned
      ? build(make, 'warmFrom', { ...base, failover: 'error', ...(w as ClientOptions) })
      : (w as Client);
    routes.warmUp = new WarmUp(old, owned, resolved.warmTtl, (reason) =>
      client.emit('warmUpOff', { reason }),
    );
  }
  const s = resolved.shadow;
  if (s !== undefined) {
    const maxQueue = s.maxQueue ?? DEFAULT_SHADOW_QUEUE;
    const shadowClient = build(make, 'shadow', { ...base, servers: input.shadow!.servers, maxQueue });
    routes.shadow = new Shadow(shadowClient, s.fraction, maxQueue);
  }
  wrapReads(client, routes);
  wrapWrites(client, routes);
  wrapClose(client, routes);
  return routes;
}

/** A route's client; an invalid option there is named as the route's. */
function build(make: (o: ClientOptions) => Client, route: string, options: ClientOptions): Client {
  try {
    return make(options);
  } catch (err) {
    if (err instanceof MemkitError && err.code === 'ERR_INVALID_OPTION')
      throw new MemkitError('ERR_INVALID_OPTION', `option ${route}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** `close()` closes the route clients it built too (once), after the client's own connections. */
function wrapClose(client: Client, routes: Routes): void {
  const close = client.close;
  let closing: Promise<void> | undefined;
  client.close = function (this: Client, options) {
    routes.closed = true;
    const own = close.call(this, options);
    return own.then(() => {
      const graceful = options?.graceful === true;
      closing ??= Promise.all([routes.warmUp?.close(graceful), routes.shadow?.close(graceful)]).then(
        () => undefined,
      );
      return closing;
    });
  };
}

/** The call options a mirrored or old-cluster call gets: the caller's signal and timeout are the caller's. */
export function detached<O extends object>(opts: O | undefined): O | undefined {
  if (typeof opts !== 'object' || opts === null) return undefined;
  const { signal: _s, timeout: _t, ...rest } = opts as O & { signal?: unknown; timeout?: unknown };
  return rest as O;
}
