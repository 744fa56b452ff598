import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import { startMemcachedCluster } from '@memkit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type BatchTrace,
  CENSUS_CHANNEL,
  Client,
  type ClientCensus,
  type CommandTrace,
  TRACING_CHANNELS,
} from '../src/index';
import { type Backend, startReal } from './helpers/backends';

const commands = diagnostics.tracingChannel<string, CommandTrace>(TRACING_CHANNELS.command);
const batches = diagnostics.tracingChannel<string, BatchTrace>(TRACING_CHANNELS.batch);

type Event = 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error';
const EVENTS: Event[] = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'];

/** Records every event of a tracing channel, per context object. */
function record<T extends object>(channel: diagnostics.TracingChannel<string, T>) {
  const seen = new Map<T, Event[]>();
  const order: T[] = [];
  const handlers = Object.fromEntries(
    EVENTS.map((e) => [
      e,
      (ctx: T) => {
        let list = seen.get(ctx);
        if (!list) {
          list = [];
          seen.set(ctx, list);
          order.push(ctx);
        }
        list.push(e);
      },
    ]),
  ) as unknown as diagnostics.TracingChannelSubscribers<T>;
  channel.subscribe(handlers);
  return { seen, order, stop: () => channel.unsubscribe(handlers) };
}

describe('tracing channels (memkit:command, memkit:batch)', () => {
  let server: Backend;
  let client: Client;
  const stops: Array<() => void> = [];
  beforeAll(async () => {
    server = await startReal();
    client = new Client({ servers: [server.address] });
  });
  afterAll(async () => {
    await client.close();
    await server.stop();
  });
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
  });

  it('publishes nothing and builds no context when nobody subscribes', async () => {
    expect(commands.hasSubscribers).toBe(false);
    expect(batches.hasSubscribers).toBe(false);
    // A subscriber added and removed leaves the channels idle again.
    const r = record(commands);
    r.stop();
    expect(commands.hasSubscribers).toBe(false);
    await client.get('idle');
    expect(r.order).toEqual([]);
  });

  it('gives each of 200 pipelined calls its own context, so every start pairs with its end', async () => {
    const r = record(commands);
    stops.push(r.stop);
    await client.set('p', 'v');
    r.order.length = 0;
    r.seen.clear();
    const keys = Array.from({ length: 200 }, (_, i) => (i % 2 ? 'p' : `absent-${i}`));
    const results = await Promise.all(keys.map((k) => client.get(k)));
    expect(r.order.length).toBe(200);
    r.order.forEach((ctx, i) => {
      expect(r.seen.get(ctx)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
      expect(ctx.operation).toBe('get');
      expect(ctx.key).toBe(keys[i]);
      expect(ctx.result).toBe(results[i]);
      expect([ctx.hits, ctx.misses]).toEqual(i % 2 ? [1, 0] : [0, 1]);
      expect(ctx.server?.address).toBe(server.address);
      expect(ctx.server?.port).toBe(server.port);
    });
  });

  it('publishes error for a rejected call, and error + end without async events for a synchronous throw', async () => {
    const r = record(commands);
    stops.push(r.stop);
    await client.set('word', 'abc');
    r.order.length = 0;
    await expect(client.incr('word')).rejects.toMatchObject({ code: 'ERR_CLIENT_ERROR' });
    await expect(client.get('bad key')).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    const [incr, bad] = r.order;
    expect(r.seen.get(incr!)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect((incr!.error as { code: string }).code).toBe('ERR_CLIENT_ERROR');
    expect(r.seen.get(bad!)).toEqual(['start', 'error', 'end']);
    expect([bad!.hits, bad!.misses]).toEqual([undefined, undefined]);
  });

  it("runs getOrSet's internals inside the subscriber's bound store, through its loader", async () => {
    const store = new AsyncLocalStorage<string>();
    const entered: string[] = [];
    commands.start.bindStore(store, (ctx) => {
      entered.push(ctx.operation);
      return `span-of-${ctx.operation}`;
    });
    stops.push(() => commands.start.unbindStore(store));
    let seenInLoader: string | undefined;
    const outside = store.getStore();
    await client.get('no-user-code');
    await client.getOrSet(`loader-${Date.now()}`, async () => {
      await new Promise((r) => setTimeout(r, 5));
      seenInLoader = store.getStore();
      return 1;
    });
    expect(seenInLoader).toBe('span-of-getOrSet');
    expect(store.getStore()).toBe(outside);
    // A call served by one server runs no code of the caller's: no store is entered for it.
    expect(entered).toEqual(['getOrSet']);
  });

  it('publishes the async events with the result before the caller resumes (meta and text clients)', async () => {
    const text = new Client({ servers: [server.address], protocol: 'text' });
    const log: string[] = [];
    const onAsyncEnd = (message: unknown) => {
      const call = message as CommandTrace;
      log.push(`asyncEnd ${call.operation} ${String(call.result)}`);
    };
    commands.asyncEnd.subscribe(onAsyncEnd);
    stops.push(() => commands.asyncEnd.unsubscribe(onAsyncEnd));
    try {
      for (const c of [client, text]) {
        log.push(`set ${await c.set('order', 'v')}`);
        log.push(`get ${await c.get('order')}`);
        log.push(`delete ${await c.delete('order')}`);
        log.push(`get ${await c.get('order')}`);
      }
    } finally {
      await text.close();
    }
    const once = [
      'asyncEnd set true',
      'set true',
      'asyncEnd get v',
      'get v',
      'asyncEnd delete true',
      'delete true',
      'asyncEnd get undefined',
      'get undefined',
    ];
    expect(log).toEqual([...once, ...once]);
  });

  it('publishes error and the async events for a call whose request settles at once (aborted signal)', async () => {
    const r = record(commands);
    stops.push(r.stop);
    await client.get('warm-up');
    r.order.length = 0;
    await expect(client.get('aborted', { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    });
    expect(r.order.length).toBe(1);
    expect(r.seen.get(r.order[0]!)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect((r.order[0]!.error as { code: string }).code).toBe('ERR_ABORTED');
  });

  it('publishes start, error, end for a call refused because the client is closed', async () => {
    const r = record(commands);
    stops.push(r.stop);
    const closed = new Client({ servers: [server.address] });
    await closed.close();
    await expect(closed.get('k')).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
    expect(r.order.map((c) => [c.operation, r.seen.get(c)])).toEqual([['get', ['start', 'error', 'end']]]);
    expect((r.order[0]!.error as { code: string }).code).toBe('ERR_CLIENT_CLOSED');
  });

  it('lets a subscriber run the loader in its own context with runInContext', async () => {
    const inner = new AsyncLocalStorage<string>();
    const r = record(commands);
    stops.push(r.stop);
    const start = (message: unknown) => {
      (message as CommandTrace).runInContext = (fn) => inner.run('mine', fn);
    };
    commands.start.subscribe(start);
    stops.push(() => commands.start.unsubscribe(start));
    let seen: string | undefined;
    await client.getOrSet(`ctx-${Date.now()}`, () => {
      seen = inner.getStore();
      return 2;
    });
    expect(seen).toBe('mine');
    expect(r.order[0]!.outcome).toBe('won');
  });

  it('answers a census with connections by state and requests pending', async () => {
    await client.get('warm');
    const census: ClientCensus = { clients: [] };
    diagnostics.channel(CENSUS_CHANNEL).publish(census);
    const mine = census.clients.find((c) => c.servers[0]?.address === server.address);
    expect(mine).toBeDefined();
    const s = mine!.servers[0]!;
    expect(s).toMatchObject({
      host: '127.0.0.1',
      port: server.port,
      dead: false,
      state: 'healthy',
      pendingInvalidations: 0,
      maxConnections: 2,
      pending: 0,
    });
    expect(s.connections.idle).toBeGreaterThanOrEqual(1);
    expect(s.connections.used).toBe(0);
    const closed = new Client({ servers: [server.address] });
    await closed.close();
    const after: ClientCensus = { clients: [] };
    diagnostics.channel(CENSUS_CHANNEL).publish(after);
    expect(after.clients.length).toBe(census.clients.length);
  });
});

describe('batch events of calls that span servers', () => {
  it('publishes one batch per server, linked to the call, for key-spanning and admin calls', async () => {
    const cluster = await startMemcachedCluster(3);
    const client = new Client({ servers: cluster.map((m) => m.address) });
    const calls = record(commands);
    const parts = record(batches);
    try {
      const keys = Array.from({ length: 60 }, (_, i) => `key-${i}`);
      await client.setMulti(keys.map((k) => [k, k] as const));
      await client.getMulti(keys);
      await client.stats();
      await client.get('key-1');
      const [setCall, getCall, statsCall, single] = calls.order;
      for (const call of [setCall!, getCall!, statsCall!]) {
        const mine = parts.order.filter((b) => b.parent === call);
        expect(mine.map((b) => b.server.address).sort()).toEqual(cluster.map((m) => m.address).sort());
        for (const b of mine) expect(parts.seen.get(b)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
        expect(call.servers.length).toBe(3);
        expect(call.server).toBeUndefined();
        const keyCounts = mine.reduce((n, b) => n + b.keyCount, 0);
        expect(keyCounts).toBe(call === statsCall ? 0 : 60);
      }
      expect(getCall!.hits).toBe(60);
      // A single-key call is not a batch: its server is on the call itself.
      expect(parts.order.some((b) => b.parent === single)).toBe(false);
      expect(single!.server?.address).toBe(client.serverFor('key-1'));
    } finally {
      calls.stop();
      parts.stop();
      await client.close();
      await Promise.all(cluster.map((m) => m.stop()));
    }
  });
});

describe('the server of every single-key call on a client of several servers', () => {
  it('is recorded when the request is sent, for every command kind (meta and text)', async () => {
    const cluster = await startMemcachedCluster(3);
    const calls = record(commands);
    try {
      for (const protocol of ['meta', 'text'] as const) {
        const client = new Client({ servers: cluster.map((m) => m.address), protocol });
        try {
          calls.order.length = 0;
          await client.set('k1', '1');
          await client.add('k2', 'v');
          await client.replace('k2', 'w');
          await client.append('k2', 'a');
          await client.prepend('k2', 'p');
          const got = await client.gets('k1');
          await client.cas('k1', '2', got!.cas);
          await client.get('k1');
          await client.gat('k1', 60);
          await client.gats('k1', 60);
          await client.touch('k1', 60);
          await client.incr('k1');
          await client.decr('k1');
          await client.delete('k2');
          await client.getOrSet('k3', () => 'loaded');
          expect(calls.order.length).toBe(15);
          for (const call of calls.order) {
            expect(call.fanOut).toBe(false);
            expect(call.servers.length).toBe(1);
            expect(call.server?.address).toBe(client.serverFor(call.key!));
          }
        } finally {
          await client.close();
        }
      }
    } finally {
      calls.stop();
      await Promise.all(cluster.map((m) => m.stop()));
    }
  });
});
