/**
 * Tracing events of public calls, through `diagnostics_channel.tracingChannel`
 * (the way undici publishes fetch): `memkit:command` carries ONE context
 * object per public call (start / end / asyncStart / asyncEnd / error), so a
 * subscriber can pair a start with its end even when hundreds of commands are
 * pipelined, and `memkit:batch` carries one context per server batch of a
 * call that fans out over several servers, linked to its call by `parent`.
 *
 * `start` is published synchronously in the caller's async context, so a
 * subscriber reads the caller's active span there. The internals of calls
 * that run user code or fan out (getOrSet's loader and waiting, the batches
 * of a multi-server call) run inside `start.runStores`, so stores a
 * subscriber binds flow through them; a single-server call runs no user code
 * and starts no child work, so it only publishes `start` (entering bound
 * stores would cost every call for nothing anyone could observe).
 *
 * The events follow `tracingChannel.tracePromise`'s order (start, end, then
 * error?, asyncStart, asyncEnd once settled; start, error, end for a call
 * refused synchronously), but a call whose promise is its one request's
 * promise (most single-key calls) publishes the async events from the
 * request's own settlement, so tracing adds no promise step to it.
 *
 * Cost when nobody subscribes: one `hasSubscribers` check per call and per
 * request; no object, no closure, no AsyncLocalStorage.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import type { ServerNode } from './cluster/locator';
import type { Exchange, SettleHook } from './exchanges/exchange';

/** The server a command or batch went to. */
export interface TraceServer {
  /** memkit's address of the server: `'host:port'`, `'[v6]:port'` or a socket path. */
  readonly address: string;
  /** Host name or IP (the socket path for a unix socket). */
  readonly host: string;
  /** TCP port; undefined for a unix socket. */
  readonly port: number | undefined;
}

/** How `getOrSet` obtained its value. */
export type GetOrSetOutcome =
  /** Read a fresh value. */
  | 'hit'
  /** Read a value that is stale or being refreshed by another caller (stale-while-revalidate). */
  | 'stale'
  /** This caller won the right to load (or found nothing and no lock exists) and ran the loader. */
  | 'won'
  /** Another caller (in this process or another) was loading; this one waited for its value. */
  | 'waited'
  /** Waited for another caller's load past `waitTimeout`, then ran the loader itself. */
  | 'timeout';

/**
 * The context object of one public call on the `memkit:command` tracing
 * channel. The same object is passed to every event of the call; memkit
 * fills in the outcome fields before `asyncStart`.
 */
export interface CommandTrace {
  /** The client method: `'get'`, `'getMulti'`, `'getOrSet'`, `'stats'`, … */
  readonly operation: string;
  /** Number of keys the call carries (1 for single-key calls, 0 for admin calls). */
  readonly keyCount: number;
  /**
   * The key of a single-key call, as the caller passed it (without the client's prefix).
   * Keys can be personal data: subscribers must not record them unless told to.
   */
  readonly key: string | Uint8Array | undefined;
  /** The keys of a multi-key call, as the caller passed them. */
  readonly keys: readonly string[] | undefined;
  /** True when the call is sent as one batch per server (multi-key and admin calls on several servers). */
  readonly fanOut: boolean;
  /**
   * The server that served the call, when exactly one did. Already set at
   * `start` on a client with one server; otherwise set when the request is sent.
   */
  readonly server: TraceServer | undefined;
  /** Every server the call sent requests to, once each, in order. */
  readonly servers: readonly TraceServer[];
  /** Retrievals, once settled: keys found (from `result`). */
  readonly hits: number | undefined;
  /** Retrievals, once settled: keys not found. */
  readonly misses: number | undefined;
  /** getOrSet: how the value was obtained. */
  readonly outcome: GetOrSetOutcome | undefined;
  /**
   * With a near cache (client option `nearCache`): how many keys of this
   * retrieval it answered without asking memcached (1 or 0 for a single-key
   * call; a revalidated entry counts 0, since memcached was asked). Equal to
   * `keyCount` when no request was sent at all. Undefined without a near
   * cache, and for calls that do not read through it.
   */
  readonly nearCacheHits: number | undefined;
  /**
   * A subscriber may set this at `start` to run the user code memkit calls
   * during this call (the getOrSet loader) inside its own context, e.g. with
   * the call's span active so the loader's work nests under it.
   */
  runInContext: (<R>(fn: () => R) => R) | undefined;
  /** Set by the tracing channel: what the call resolved with (may hold values). */
  result?: unknown;
  /** Set by the tracing channel: what the call rejected or threw with. */
  error?: unknown;
}

/**
 * How a call's hits are counted from its result: `one` (single-key
 * retrieval: anything but `undefined` is a hit), `multi` (getMulti: each
 * requested key found in the result `Map`), `outcome` (getOrSet: a hit when
 * this caller did not run the loader), `none` (not a retrieval).
 */
export type Hits = 'none' | 'one' | 'multi' | 'outcome';

/**
 * The `CommandTrace` memkit publishes. Hits and misses are derived from
 * `result` when read, so a traced call costs no extra promise step.
 */
class CallTrace implements CommandTrace, SettleHook {
  server: TraceServer | undefined;
  servers: readonly TraceServer[];
  outcome: GetOrSetOutcome | undefined = undefined;
  nearCacheHits: number | undefined = undefined;
  runInContext: (<R>(fn: () => R) => R) | undefined = undefined;
  /** The first request the call sent (its promise may be the call's). */
  request: Exchange<unknown> | undefined = undefined;
  // Declared only: `'result' in this` tells a settled call, and they are set when it settles.
  declare result?: unknown;
  declare error?: unknown;

  constructor(
    readonly operation: string,
    readonly key: string | Uint8Array | undefined,
    readonly keys: readonly string[] | undefined,
    readonly fanOut: boolean,
    single: KnownServer | undefined,
    private readonly counting: Hits,
  ) {
    this.server = single?.server;
    this.servers = single ? single.alone : NO_SERVERS;
  }

  get keyCount(): number {
    return this.keys ? this.keys.length : this.key === undefined ? 0 : 1;
  }

  get hits(): number | undefined {
    if (this.error !== undefined || !('result' in this)) return undefined;
    switch (this.counting) {
      case 'one':
        return this.result === undefined ? 0 : 1;
      case 'multi': {
        const found = this.result as Map<string, unknown>;
        let n = 0;
        for (const k of this.keys ?? []) if (found.has(k)) n++;
        return n;
      }
      case 'outcome':
        if (this.outcome === undefined) return undefined;
        return this.outcome === 'won' || this.outcome === 'timeout' ? 0 : 1;
      default:
        return undefined;
    }
  }

  get misses(): number | undefined {
    const hits = this.hits;
    return hits === undefined ? undefined : this.keyCount - hits;
  }

  /** Records that a request of this call went to `server`. */
  sentTo(server: TraceServer): void {
    if (this.servers.includes(server)) return;
    this.servers = [...this.servers, server];
    this.server = this.servers.length === 1 ? server : undefined;
  }

  /** The call settled: publishes error?, asyncStart and asyncEnd (what `tracePromise` does on settlement). */
  settled(ok: boolean, value: unknown): void {
    if (ok) {
      this.result = value;
    } else {
      this.error = value;
      commandChannel.error.publish(this);
    }
    commandChannel.asyncStart.publish(this);
    commandChannel.asyncEnd.publish(this);
  }
}

const NO_SERVERS: readonly TraceServer[] = Object.freeze([]);

/** The context object of one server batch on the `memkit:batch` tracing channel. */
export interface BatchTrace {
  /** The call this batch belongs to (the same object its `memkit:command` events carry). */
  readonly parent: CommandTrace;
  /** The call's operation. */
  readonly operation: string;
  /** The server of this batch. */
  readonly server: TraceServer;
  /** Keys in this batch (0 for admin calls). */
  readonly keyCount: number;
  /** Set by the tracing channel: what the batch resolved with. */
  result?: unknown;
  /** Set by the tracing channel: what the batch rejected with. */
  error?: unknown;
}

/** Names of the tracing channels (`diagnostics_channel.tracingChannel(name)`). */
export const TRACING_CHANNELS = {
  /** One context (`CommandTrace`) per public call. */
  command: 'memkit:command',
  /** One context (`BatchTrace`) per server batch of a call that fans out over several servers. */
  batch: 'memkit:batch',
} as const;

export const commandChannel = diagnostics.tracingChannel<string, CommandTrace & object>(
  TRACING_CHANNELS.command,
);
export const batchChannel = diagnostics.tracingChannel<string, BatchTrace & object>(TRACING_CHANNELS.batch);

/** Calls that go out as one batch per server. */
const FAN_OUT = new Set([
  'getMulti',
  'getsMulti',
  'setMulti',
  'deleteMulti',
  'stats',
  'version',
  'flushAll',
  'metadump',
]);

/**
 * The call whose synchronous part is running: every call sends its first
 * requests before returning its promise, so `dispatch` finds its call here
 * without any AsyncLocalStorage.
 */
let running: CallTrace | undefined;
/**
 * getOrSet also sends after awaiting (its wait loop, the store after the
 * loader): only its calls are carried through AsyncLocalStorage.
 */
const awaiting = new AsyncLocalStorage<CallTrace>();

function currentCall(): CallTrace | undefined {
  return running ?? awaiting.getStore();
}

/**
 * Whether a tracing channel has subscribers. Node's `TracingChannel.hasSubscribers` (20.13+) is the
 * OR of its five channels'; Bun's tracing channels have no such getter (oven-sh/bun#27805) and read
 * `undefined`, which would turn tracing off there without a word, so ask the five channels then.
 */
function subscribed(channel: diagnostics.TracingChannel<string, object>): boolean {
  const own = (channel as { hasSubscribers?: boolean }).hasSubscribers;
  if (own !== undefined) return own;
  return (
    channel.start.hasSubscribers ||
    channel.end.hasSubscribers ||
    channel.asyncStart.hasSubscribers ||
    channel.asyncEnd.hasSubscribers ||
    channel.error.hasSubscribers
  );
}

/** True when a call should publish tracing events. */
export function tracingCalls(): boolean {
  return subscribed(commandChannel) || subscribed(batchChannel);
}

/**
 * Runs `fn` as the traced public call `operation` on a client of `nodes`.
 * `fn` may throw synchronously (a call refused before it starts: closed
 * client, invalid options or key): then `start`, `error`, `end` are
 * published and the throw becomes a rejection. Never throws.
 */
export function traceCall<T>(
  operation: string,
  key: string | Uint8Array | undefined,
  keys: readonly string[] | undefined,
  nodes: readonly ServerNode[],
  counting: Hits,
  fn: () => Promise<T>,
): Promise<T> {
  const single = nodes.length === 1 ? knownServer(nodes[0]!) : undefined;
  const fanOut = single === undefined && FAN_OUT.has(operation);
  const call = new CallTrace(operation, key, keys, fanOut, single, counting);
  // User code or child batches: Node's own tracePromise, which enters the subscribers' stores.
  if (fanOut || operation === 'getOrSet') {
    try {
      return commandChannel.tracePromise(fanOut ? runAs : runAwaiting, call, undefined, call, fn);
    } catch (err) {
      return Promise.reject(err);
    }
  }
  commandChannel.start.publish(call);
  const outer = running;
  running = call;
  let promise: Promise<T>;
  try {
    promise = fn();
  } catch (err) {
    call.error = err;
    commandChannel.error.publish(call);
    commandChannel.end.publish(call);
    return Promise.reject(err);
  } finally {
    running = outer;
  }
  commandChannel.end.publish(call);
  const req = call.request;
  if (req !== undefined && req.promise === promise && !req.settled) {
    // The call's promise is its request's: the request tells the call as it settles.
    req.hook = call;
    return promise;
  }
  return promise.then(
    (value) => {
      call.settled(true, value);
      return value;
    },
    (err: unknown) => {
      call.settled(false, err);
      throw err;
    },
  );
}

// Module-level functions rather than closures: a traced call allocates no function for them.

/** Runs the synchronous part of `fn` as `call`. */
function runAs<T>(call: CallTrace, fn: () => Promise<T>): Promise<T> {
  const outer = running;
  running = call;
  try {
    return fn();
  } finally {
    running = outer;
  }
}

/** Runs `fn` as `call`, also after its awaits. */
function runAwaiting<T>(call: CallTrace, fn: () => Promise<T>): Promise<T> {
  return awaiting.run(call, runAs<T>, call, fn);
}

/** A server as tracing contexts show it, and the one-server list of a call that went only there. */
interface KnownServer {
  readonly server: TraceServer;
  readonly alone: readonly TraceServer[];
}

const known = new WeakMap<ServerNode, KnownServer>();
// Most processes talk to one server: its entry is kept at hand, no lookup.
let lastNode: ServerNode | undefined;
let lastKnown: KnownServer | undefined;

function knownServer(node: ServerNode): KnownServer {
  if (node === lastNode) return lastKnown!;
  let k = known.get(node);
  if (!k) {
    const server: TraceServer = Object.freeze({
      address: node.address,
      host: node.host,
      port: node.socketPath ? undefined : node.port,
    });
    k = { server, alone: Object.freeze([server]) };
    known.set(node, k);
  }
  lastNode = node;
  lastKnown = k;
  return k;
}

/**
 * Sends `req` (through `send`) as a request of the current call: records its
 * server on the call, and publishes a `memkit:batch` trace when the call fans
 * out. Call only when `tracingCalls()`.
 */
export function traceRequest<T, P>(
  node: ServerNode,
  req: Exchange<T>,
  send: (pool: P, req: Exchange<T>, alone: boolean) => Promise<T>,
  pool: P,
  alone: boolean,
): Promise<T> {
  const call = currentCall();
  if (!call) return send(pool, req, alone);
  const server = knownServer(node).server;
  call.sentTo(server);
  call.request ??= req as Exchange<unknown>;
  if (!call.fanOut || !subscribed(batchChannel)) return send(pool, req, alone);
  const batch: BatchTrace = {
    parent: call,
    operation: call.operation,
    server,
    keyCount: call.keyCount === 0 ? 0 : req.keyCount,
  };
  try {
    return batchChannel.tracePromise(send, batch, undefined, pool, req, alone);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Records how getOrSet obtained its value on the current call, if it is traced. */
export function noteOutcome(outcome: GetOrSetOutcome): void {
  if (!subscribed(commandChannel)) return;
  const call = currentCall();
  if (call && call.outcome === undefined) call.outcome = outcome;
}

/** Adds `hits` keys answered by the near cache to the current call, if it is traced. */
export function noteNearCache(hits: number): void {
  // `running` is set only while a traced call runs its synchronous part, where reads consult the near cache.
  const call = running;
  if (call !== undefined) call.nearCacheHits = (call.nearCacheHits ?? 0) + hits;
}

/** Runs `fn` as part of no call: requests it sends are not counted to the call running now. */
export function outsideCalls<R>(fn: () => R): R {
  const outer = running;
  running = undefined;
  try {
    return fn();
  } finally {
    running = outer;
  }
}

/** Runs user code (a loader) in the subscriber's context of the current call, when it asked for one. */
export function runUserCode<R>(fn: () => R): R {
  if (!subscribed(commandChannel)) return fn();
  const run = currentCall()?.runInContext;
  return run ? run(fn) : fn();
}
