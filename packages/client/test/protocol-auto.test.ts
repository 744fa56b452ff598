/**
 * `protocol: 'auto'`: each server's protocol is learned on its first
 * connection (`version` + `mn`), said once (the `protocol` event and the
 * `memkit:server:protocol` channel), and commands sent meanwhile wait for it
 * in order, within their timeout. Against real memcached 1.6.18 (meta),
 * @memkit/server with `meta: false` (no meta protocol: `ERROR`), and our own
 * responder answering like AWS ElastiCache 1.6.6 (`MN`, then `OK` where
 * 1.6.10 answers `HD`).
 */
import diagnostics from 'node:diagnostics_channel';
import { type MemkitServer, startServer } from '@memkit/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from '../src/context';
import { Client, type ClientOptions, MemkitError, type ProtocolMessage } from '../src/index';
import { type Backend, startReal } from './helpers/backends';
import { type OldMetaOptions, OldMetaResponder } from './helpers/old-meta-responder';
import { type RecordingProxy, startRecordingProxy } from './helpers/recording-proxy';

const clients: Client[] = [];
function connect(options: ClientOptions): Client {
  const client = new Client({ protocol: 'auto', ...options });
  clients.push(client);
  return client;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function poolsOf(client: Client) {
  return (client as unknown as { ctx: Context }).ctx.cluster.pools;
}

interface Heard {
  events: ProtocolMessage[];
  published: ProtocolMessage[];
  stop(): void;
}

/** The `protocol` events of `client` and the channel messages, as they come. */
function listen(client: Client): Heard {
  const events: ProtocolMessage[] = [];
  const published: ProtocolMessage[] = [];
  client.on('protocol', (m: ProtocolMessage) => events.push(m));
  const onMessage = (m: unknown) => published.push(m as ProtocolMessage);
  diagnostics.subscribe('memkit:server:protocol', onMessage);
  return { events, published, stop: () => diagnostics.unsubscribe('memkit:server:protocol', onMessage) };
}

/** Asserts that the event and the channel each said `expected`, and nothing else. */
function expectSaidOnce(heard: Heard, expected: ProtocolMessage): void {
  expect(heard.events).toEqual([expected]);
  expect(heard.published).toEqual([expected]);
}

/** How many times `needle` occurs in `haystack`. */
function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

describe("protocol: 'auto' with memcached 1.6.18", () => {
  let mc: Backend;
  let proxy: RecordingProxy;
  beforeAll(async () => {
    mc = await startReal();
    proxy = await startRecordingProxy(mc);
  });
  afterAll(async () => {
    await proxy.close();
    await mc.stop();
  });

  it('learns meta once per server, says so once, and keeps the order of commands sent meanwhile', async () => {
    const client = connect({ servers: [proxy.address], connectionsPerServer: 2 });
    const heard = listen(client);
    try {
      expect(poolsOf(client)[0]!.dialect.name).toBe('auto');
      // Sent before the probe can have answered: they wait for it and go out in this order.
      const calls = [client.set('k', 'v1'), client.set('k', 'v2'), client.get('k'), client.delete('gone')];
      expect(await Promise.all(calls)).toEqual([true, true, 'v2', false]);
      expect(poolsOf(client)[0]!.dialect.name).toBe('meta');
      expectSaidOnce(heard, {
        server: proxy.address,
        protocol: 'meta',
        reason: 'answered mn with MN',
        version: '1.6.18',
      });
      // More traffic on both connections, then every connection dropped and re-made: no second probe.
      await Promise.all(Array.from({ length: 50 }, (_, i) => client.set(`n${i}`, i)));
      poolsOf(client)[0]!.reset(new MemkitError('ERR_CONNECTION_CLOSED', 'dropped by the test'));
      expect(await client.get('n7')).toBe(7);
      expect(heard.events).toHaveLength(1);
      const sent = proxy.sent();
      expect(sent.startsWith('version\r\nmn\r\n')).toBe(true);
      expect(count(sent, 'version\r\nmn\r\n')).toBe(1);
      // What followed the probe is the meta protocol.
      expect(sent).toMatch(/\r\nms k 2 /);
      expect(sent).toMatch(/\r\nmg k /);
    } finally {
      heard.stop();
    }
  });

  it('commands a protocol listener sends go out after the ones held for the probe', async () => {
    const client = connect({ servers: [mc.address] });
    let fromListener: Promise<boolean> | undefined;
    client.on('protocol', () => {
      fromListener = client.set('order', 'listener');
    });
    expect(await client.set('order', 'held')).toBe(true);
    expect(await fromListener).toBe(true);
    expect(await client.get('order')).toBe('listener');
  });

  it('binary keys go out as meta b keys once the server is known to speak meta', async () => {
    const client = connect({ servers: [mc.address] });
    const key = new Uint8Array([0x00, 0xff, 0x20, 0x0a]);
    expect(await client.set(key, 'bin')).toBe(true);
    expect(await client.get(key)).toBe('bin');
  });

  it('getOrSet as the first call still gets stampede protection (one loader across clients)', async () => {
    const a = connect({ servers: [mc.address] });
    const b = connect({ servers: [mc.address] });
    let loads = 0;
    const loader = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 300));
      return 'loaded';
    };
    const [x, y] = await Promise.all([a.getOrSet('stampede', loader), b.getOrSet('stampede', loader)]);
    expect([x, y]).toEqual(['loaded', 'loaded']);
    expect(loads).toBe(1);
  });

  it('incr with initial as the first call creates the counter', async () => {
    const client = connect({ servers: [mc.address] });
    expect(await client.incr('ctr', 5, { initial: 10 })).toBe(10n);
    expect(await client.incr('ctr', 5, { initial: 10 })).toBe(15n);
  });
});

describe("protocol: 'auto' with a server without the meta protocol (@memkit/server meta: false)", () => {
  let server: MemkitServer;
  let proxy: RecordingProxy;
  beforeAll(async () => {
    server = await startServer({ meta: false });
    proxy = await startRecordingProxy(server);
  });
  afterAll(async () => {
    await proxy.close();
    await server.close();
  });

  it('learns text, says so once naming the server, and every command works in text', async () => {
    const client = connect({ servers: [proxy.address] });
    const heard = listen(client);
    try {
      expect(await client.set('a', { n: 1 })).toBe(true);
      expectSaidOnce(heard, {
        server: proxy.address,
        protocol: 'text',
        reason: 'answered mn with ERROR (no meta protocol)',
        version: '1.6.18-memkit',
      });
      expect(poolsOf(client)[0]!.dialect.name).toBe('text');
      expect(await client.get('a')).toEqual({ n: 1 });
      expect(await client.add('a', 'x')).toBe(false);
      const g = await client.gets('a');
      expect(await client.cas('a', 'c', g!.cas)).toBe(true);
      expect(await client.touch('a', 100)).toBe(true);
      expect(await client.incr('n', 1, { initial: 7 })).toBe(7n);
      expect(await client.incr('n', 1)).toBe(8n);
      expect(
        await client.setMulti([
          ['m1', 1],
          ['m2', 2],
        ]),
      ).toEqual([]);
      expect(await client.getMulti(['m1', 'm2', 'none'])).toEqual(
        new Map([
          ['m1', 1],
          ['m2', 2],
        ]),
      );
      expect(await client.deleteMulti(['m1', 'none'])).toEqual(['none']);
      expect(await client.getOrSet('gos', () => 'made')).toBe('made');
      expect(await client.getOrSet('gos', () => 'again')).toBe('made');
      expect(await client.delete('a')).toBe(true);
      // The probe's mn is the only meta command that went out.
      const lines = proxy.sent().split('\r\n');
      expect(lines.filter((l) => /^m[gsdane] /.test(l) || l === 'mn')).toEqual(['mn']);
      expect(heard.events).toHaveLength(1);
    } finally {
      heard.stop();
    }
  });

  it('a binary key fails with ERR_KEY_INVALID on a text server, and the connection stays usable', async () => {
    const client = connect({ servers: [server.address] });
    await expect(client.set(new Uint8Array([0, 1, 2]), 'x')).rejects.toMatchObject({
      code: 'ERR_KEY_INVALID',
    });
    expect(await client.set('fine', 'y')).toBe(true);
    expect(await client.get('fine')).toBe('y');
  });

  it("with protocol: 'meta' the same server is refused with ERR_UNSUPPORTED", async () => {
    const client = connect({ servers: [server.address], protocol: 'meta' });
    await expect(client.get('a')).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
  });
});

describe("protocol: 'auto' with servers that answer mn but do not speak memkit's meta protocol", () => {
  const responders: OldMetaResponder[] = [];
  afterEach(async () => {
    await Promise.all(responders.splice(0).map((r) => r.close()));
  });
  async function responder(options: OldMetaOptions = {}) {
    const r = await OldMetaResponder.start(options);
    responders.push(r);
    return r;
  }

  it('AWS ElastiCache 1.6.6 (MN to mn, OK where 1.6.10 answers HD) is spoken to in text', async () => {
    const r = await responder();
    const client = connect({ servers: [r.address] });
    const heard = listen(client);
    try {
      expect(await client.set('a', 'one')).toBe(true);
      expect(await client.get('a')).toBe('one');
      expect(await client.getMulti(['a', 'b'])).toEqual(new Map([['a', 'one']]));
      expect(await client.delete('a')).toBe(true);
      expect(heard.events).toEqual([
        {
          server: r.address,
          protocol: 'text',
          reason: 'memcached 1.6.6 speaks a pre-release meta protocol (OK where 1.6.10 answers HD)',
          version: '1.6.6',
        },
      ]);
      expect(r.lines.filter((l) => /^m[gsda] /.test(l))).toEqual([]);
    } finally {
      heard.stop();
    }
  });

  it("the same server with protocol: 'meta' fails loudly instead (OK is not a meta reply memkit accepts)", async () => {
    const r = await responder();
    const client = connect({ servers: [r.address], protocol: 'meta' });
    await expect(client.set('a', 'one')).rejects.toMatchObject({ code: 'ERR_PROTOCOL' });
  });

  it.each(['OK', 'EN', 'HD', 'CLIENT_ERROR bad command line format', 'END'])(
    'a server answering mn with %s is spoken to in text',
    async (mnReply) => {
      const r = await responder({ mnReply, version: '1.6.18' });
      const client = connect({ servers: [r.address] });
      const heard = listen(client);
      try {
        expect(await client.set('a', 'one')).toBe(true);
        expect(await client.get('a')).toBe('one');
        expect(heard.events.map((e) => e.protocol)).toEqual(['text']);
        expect(heard.events[0]!.reason).toContain(mnReply.split(' ')[0]);
      } finally {
        heard.stop();
      }
    },
  );

  it('SERVER_ERROR to mn is a refusal, not an answer: the call fails and the next one probes again', async () => {
    const r = await responder({ mnReply: 'SERVER_ERROR out of memory' });
    const client = connect({ servers: [r.address] });
    await expect(client.get('a')).rejects.toMatchObject({ code: 'ERR_SERVER' });
    await expect(client.get('a')).rejects.toMatchObject({ code: 'ERR_SERVER' });
    expect(r.lines.filter((l) => l === 'mn')).toHaveLength(2);
    expect(poolsOf(client)[0]!.dialect.name).toBe('auto');
  });

  it('a server that never answers the probe: calls fail at their own timeout (or abort), never hang', async () => {
    const r = await responder({ silent: true });
    const client = connect({ servers: [r.address], timeout: 200, connectTimeout: 5000 });
    const started = performance.now();
    await expect(client.get('a')).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
    expect(performance.now() - started).toBeLessThan(4000);
    const ac = new AbortController();
    const aborted = client.get('b', { signal: ac.signal, timeout: 60_000 });
    ac.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(poolsOf(client)[0]!.pending()).toBe(1); // only the probe itself, still unanswered
  });

  it('closing the client while calls wait for the probe fails them at once (getOrSet too)', async () => {
    const r = await responder({ silent: true });
    const client = connect({ servers: [r.address], timeout: 60_000, connectTimeout: 60_000 });
    const waiting = [client.get('a'), client.getOrSet('b', () => 'never')];
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await client.close();
    for (const p of waiting) await expect(p).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("protocol: 'auto' in a mixed cluster", () => {
  let mc: Backend;
  let plain: MemkitServer;
  beforeAll(async () => {
    mc = await startReal();
    plain = await startServer({ meta: false });
  });
  afterAll(async () => {
    await mc.stop();
    await plain.close();
  });

  it('each server gets its own protocol, and mapped keys never depend on it', async () => {
    const client = connect({ servers: [mc.address, plain.address], keyMapping: 'auto' });
    const heard = listen(client);
    try {
      const keys = Array.from({ length: 60 }, (_, i) => `key with spaces ${i}`);
      expect(await client.setMulti(keys.map((k) => [k, k] as const))).toEqual([]);
      for (const k of keys) expect(await client.get(k)).toBe(k);
      const byServer = Object.fromEntries(heard.events.map((e) => [e.server, e.protocol]));
      expect(byServer).toEqual({ [mc.address]: 'meta', [plain.address]: 'text' });
      // With 'auto', keys that are not text keys take the digest form on every server (never binary).
      const forms = new Set(keys.map((k) => client.mappedKey(k).form));
      expect(forms).toEqual(new Set(['digest']));
      const owners = new Set(keys.map((k) => client.serverFor(k)));
      expect(owners).toEqual(new Set([mc.address, plain.address]));
    } finally {
      heard.stop();
    }
  });

  it('servers found by discovery are probed like configured ones (calls wait for both)', async () => {
    const endpoint = await startServer({ clusterConfig: { nodes: [mc.address] } });
    try {
      const client = connect({ discovery: { configEndpoint: endpoint.address, interval: 50 } });
      const heard = listen(client);
      try {
        expect(await client.set('d1', 'one')).toBe(true);
        const grown = new Promise((resolve) => client.once('topology', resolve));
        endpoint.setClusterNodes([mc.address, plain.address]);
        await grown;
        const keys = Array.from({ length: 40 }, (_, i) => `d${i}`);
        expect(await client.setMulti(keys.map((k) => [k, k] as const))).toEqual([]);
        expect(await client.getMulti(keys)).toEqual(new Map(keys.map((k) => [k, k])));
        const byServer = Object.fromEntries(heard.events.map((e) => [e.server, e.protocol]));
        expect(byServer).toEqual({ [mc.address]: 'meta', [plain.address]: 'text' });
        // The endpoint itself is read with config commands only: never probed.
        expect(heard.published.map((e) => e.server)).not.toContain(endpoint.address);
      } finally {
        heard.stop();
      }
    } finally {
      await endpoint.close();
    }
  });
});
