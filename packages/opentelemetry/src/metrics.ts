/**
 * The instruments: what is counted as calls finish (operation duration,
 * hits, misses, getOrSet outcomes, server transitions) and what is sampled
 * at each collection from the clients' census (connections by state,
 * `connectionsPerServer`, pending requests, servers marked dead).
 */
import diagnostics from 'node:diagnostics_channel';
import type { ClientCensus, CommandTrace } from '@memkit/client';
import {
  type Attributes,
  type BatchObservableResult,
  type Counter,
  type Histogram,
  type Meter,
  type MetricOptions,
  type Observable,
  type ObservableCounter,
  type ObservableUpDownCounter,
  ValueType,
} from '@opentelemetry/api';
import type { Operation } from './operations';
import {
  ATTR_DB_CLIENT_CONNECTION_POOL_NAME,
  ATTR_DB_CLIENT_CONNECTION_STATE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_MEMKIT_GET_OR_SET_OUTCOME,
  ATTR_MEMKIT_SERVER_STATE,
  DB_SYSTEM_MEMCACHED,
  DURATION_BUCKETS,
  METRIC_DB_CLIENT_CONNECTION_COUNT,
  METRIC_DB_CLIENT_CONNECTION_MAX,
  METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS,
  METRIC_DB_CLIENT_OPERATION_DURATION,
  METRIC_MEMKIT_GET_OR_SET_OUTCOMES,
  METRIC_MEMKIT_HITS,
  METRIC_MEMKIT_MISSES,
  METRIC_MEMKIT_SERVER_TRANSITIONS,
  METRIC_MEMKIT_SERVERS_DEAD,
} from './semconv';
import { serverAttributes } from './server';

/** The channel every open memkit client answers with its state (see `@memkit/client`'s census). */
const census = diagnostics.channel('memkit:client:census');

const CONNECTION_STATES = ['idle', 'used', 'connecting'] as const;

/** Options of an instrument that counts whole things. */
function integer(description: string, unit: string): MetricOptions {
  return { description, unit, valueType: ValueType.INT };
}

/** An observable instrument that counts whole things: its name, description and unit. */
type IntegerSpec = readonly [name: string, description: string, unit: string];

/**
 * Creates one observable instrument per entry of `specs` (with `create`, the
 * meter's counter or up-down counter factory) and registers `observe` as the
 * one batch callback that reports them all at collection.
 */
function observeBatch<K extends string, I extends Observable>(
  meter: Meter,
  create: (name: string, options: MetricOptions) => I,
  specs: Record<K, IntegerSpec>,
  observe: (result: BatchObservableResult, instruments: Record<K, I>) => void,
): void {
  const instruments = {} as Record<K, I>;
  const all: I[] = [];
  for (const key of Object.keys(specs) as K[]) {
    const [name, description, unit] = specs[key];
    instruments[key] = create(name, integer(description, unit));
    all.push(instruments[key]);
  }
  meter.addBatchObservableCallback((result) => observe(result, instruments), all);
}

interface Tally {
  readonly operation: string;
  hits: number;
  misses: number;
}

export class MemkitMetrics {
  private readonly duration: Histogram;
  private readonly transitions: Counter;
  private readonly tallies = new Map<string, Tally>();
  private lastTally: Tally | undefined;
  private readonly outcomeTally = new Map<string, number>();

  constructor(
    meter: Meter,
    /** Sampled instruments observe nothing while this is false (the instrumentation is disabled). */
    private readonly active: () => boolean,
  ) {
    this.duration = meter.createHistogram(METRIC_DB_CLIENT_OPERATION_DURATION, {
      description: 'Duration of memcached client operations.',
      unit: 's',
      valueType: ValueType.DOUBLE,
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    // Hits, misses and getOrSet outcomes are tallied here and reported by
    // observable counters at collection: a synchronous counter would hash its
    // attributes on every call, which costs more than the get it counts.
    observeBatch(
      meter,
      (name, options) => meter.createObservableCounter(name, options),
      {
        hits: [
          METRIC_MEMKIT_HITS,
          'Keys found by retrievals (get, gets, gat, gats, getMulti, getOrSet).',
          '{key}',
        ],
        misses: [METRIC_MEMKIT_MISSES, 'Keys not found by retrievals.', '{key}'],
        outcomes: [
          METRIC_MEMKIT_GET_OR_SET_OUTCOMES,
          'getOrSet calls by how the value was obtained (hit, stale, won, waited, timeout).',
          '{call}',
        ],
      },
      (result, instruments) => this.observeTallies(result, instruments),
    );
    this.transitions = meter.createCounter(
      METRIC_MEMKIT_SERVER_TRANSITIONS,
      integer('Servers marked dead, or alive again, by failover.', '{transition}'),
    );
    observeBatch(
      meter,
      (name, options) => meter.createObservableUpDownCounter(name, options),
      {
        connections: [
          METRIC_DB_CLIENT_CONNECTION_COUNT,
          'Connections to each server by state.',
          '{connection}',
        ],
        max: [
          METRIC_DB_CLIENT_CONNECTION_MAX,
          'Connections allowed to each server (connectionsPerServer).',
          '{connection}',
        ],
        pending: [
          METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS,
          'Requests sent to each server and not answered yet (queued or awaiting replies).',
          '{request}',
        ],
        dead: [METRIC_MEMKIT_SERVERS_DEAD, 'Servers currently marked dead by failover.', '{server}'],
      },
      (result, instruments) => this.observe(result, instruments),
    );
  }

  /**
   * Records a finished call of `op`: its duration in seconds, `errorType`
   * when it failed, and `hits` (already counted from its result) for retrievals.
   */
  call(
    op: Operation,
    seconds: number,
    errorType: string | undefined,
    call: CommandTrace,
    hits: number | undefined,
  ): void {
    this.duration.record(seconds, errorType === undefined ? op.attributes : op.failed(errorType));
    if (hits !== undefined) {
      let t = this.lastTally;
      if (t === undefined || t.operation !== op.name) {
        t = this.tallies.get(op.name);
        if (!t) {
          t = { operation: op.name, hits: 0, misses: 0 };
          this.tallies.set(op.name, t);
        }
        this.lastTally = t;
      }
      t.hits += hits;
      t.misses += call.keyCount - hits;
    }
    const outcome = call.outcome;
    if (outcome !== undefined) this.outcomeTally.set(outcome, (this.outcomeTally.get(outcome) ?? 0) + 1);
  }

  private observeTallies(
    result: BatchObservableResult,
    { hits, misses, outcomes }: Record<'hits' | 'misses' | 'outcomes', ObservableCounter>,
  ): void {
    for (const [operation, t] of this.tallies) {
      const attrs = { [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_MEMCACHED, [ATTR_DB_OPERATION_NAME]: operation };
      result.observe(hits, t.hits, attrs);
      result.observe(misses, t.misses, attrs);
    }
    for (const [outcome, n] of this.outcomeTally) {
      result.observe(outcomes, n, {
        [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_MEMCACHED,
        [ATTR_MEMKIT_GET_OR_SET_OUTCOME]: outcome,
      });
    }
  }

  /** Records a server marked dead or alive (`address` as memkit reports it). */
  transition(state: 'dead' | 'alive', address: string): void {
    this.transitions.add(1, {
      [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_MEMCACHED,
      [ATTR_MEMKIT_SERVER_STATE]: state,
      ...serverAttributes(address),
    });
  }

  /**
   * Samples every open client. Several clients of one server add up: each
   * attribute set is observed once per collection.
   */
  private observe(
    result: BatchObservableResult,
    {
      connections,
      max,
      pending,
      dead,
    }: Record<'connections' | 'max' | 'pending' | 'dead', ObservableUpDownCounter>,
  ): void {
    if (!this.active() || !census.hasSubscribers) return;
    const request: ClientCensus = { clients: [] };
    census.publish(request);
    const byServer = new Map<
      string,
      { states: Record<string, number>; max: number; pending: number; dead: number }
    >();
    for (const client of request.clients) {
      for (const s of client.servers) {
        let sum = byServer.get(s.address);
        if (!sum) {
          sum = { states: { idle: 0, used: 0, connecting: 0 }, max: 0, pending: 0, dead: 0 };
          byServer.set(s.address, sum);
        }
        for (const state of CONNECTION_STATES) sum.states[state]! += s.connections[state];
        sum.max += s.maxConnections;
        sum.pending += s.pending;
        if (s.dead) sum.dead++;
      }
    }
    for (const [address, sum] of byServer) {
      const pool: Attributes = {
        [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_MEMCACHED,
        [ATTR_DB_CLIENT_CONNECTION_POOL_NAME]: address,
      };
      for (const state of CONNECTION_STATES) {
        result.observe(connections, sum.states[state]!, {
          ...pool,
          [ATTR_DB_CLIENT_CONNECTION_STATE]: state,
        });
      }
      result.observe(max, sum.max, pool);
      result.observe(pending, sum.pending, pool);
      result.observe(dead, sum.dead, {
        [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_MEMCACHED,
        ...serverAttributes(address),
      });
    }
  }
}
