/**
 * `close({ graceful: true, timeout })`: new calls fail with ERR_CLIENT_CLOSED at
 * once, commands already queued or in flight finish, each connection sends
 * `quit`, and nothing is left: checked with memcached's own `curr_connections`
 * and the pools' state, not with process-wide handle counts. A stalled server
 * cannot hold the close past its `timeout`. `close()` stays immediate, and
 * also closes the one-off connections of `metadump`.
 */
import type { Socket } from 'node:net';
import { connectRaw, type MemcachedInstance, readReplies, startMemcached } from '@memkit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client, type MemkitError } from '../src/index';
import { freeze } from './helpers/backends';
import { answerOf } from './helpers/server-results';
import { waitUntil } from './helpers/wait';

let mc: MemcachedInstance;
/**
 * One raw connection asks memcached for its connection count, for the whole file: a fresh
 * connection per question would be counted itself until memcached notices it closed, which
 * on a loaded machine can lag behind the next question, forever.
 */
let probe: Socket;
/** memcached's client connections with none of this file's clients connected. */
let idle: number;
beforeAll(async () => {
  // On a unix socket of its own: a TCP port can be one that another test's memcached had, whose
  // clients, still reconnecting, would then be counted here.
  mc = await startMemcached({ socketPath: true });
  probe = await connectRaw(mc);
  idle = await serverConnections();
});
afterEach(async () => {
  mc.kill('SIGCONT');
  // Every test starts from no client connection: memcached notices a close a little later.
  await expectServerConnections(idle);
});
afterAll(async () => {
  probe?.destroy();
  await mc?.stop();
});

/** Sends a command on the probe connection; its reply. */
async function ask(command: string): Promise<string> {
  const reply = readReplies(probe, 1, 10_000);
  probe.write(command);
  return reply;
}

/**
 * The client connections memcached has open, minus the one that asks: read from its own list
 * (`stats conns`: an accepted connection has a `listen_addr`), not from `curr_connections`, a
 * counter that memcached 1.6 can leave one too high after a connection closed while it was
 * stopped (seen: the list empty, the counter still +1 ten seconds later).
 */
async function serverConnections(): Promise<number> {
  const list = await ask('stats conns\r\n');
  if (!list.endsWith('END\r\n')) throw new Error(`memcached did not answer stats conns: ${list}`);
  return (list.match(/^STAT \d+:listen_addr /gm) ?? []).length - 1;
}

/** Waits until memcached lists `n` client connections (it notices a close a little later). */
async function expectServerConnections(n: number): Promise<void> {
  await waitUntil(async () => (await serverConnections()) === n, `${n} server connections`).catch(() => {});
  // On failure, memcached's own list of its connections says which one is left.
  const conns = await ask('stats conns\r\n');
  expect(await serverConnections(), conns).toBe(n);
}

interface PoolView {
  connectionCount: number;
  pending(): number;
}
function pools(client: Client): PoolView[] {
  return (client as unknown as { ctx: { cluster: { pools: PoolView[] } } }).ctx.cluster.pools;
}

function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'resolved',
    (err: MemkitError) => err.code,
  );
}

describe('graceful close', () => {
  it('1,000 in-flight gets all resolve, then every socket closes', async () => {
    const client = new Client({ servers: [mc.address], connectionsPerServer: 2 });
    await client.set('gc:k', 'v');
    const gets = Array.from({ length: 1000 }, () => client.get('gc:k'));
    const closing = client.close({ graceful: true });
    // Refused at once, without reaching the server.
    expect(await codeOf(client.get('gc:k'))).toBe('ERR_CLIENT_CLOSED');
    expect(await codeOf(client.set('gc:k', 'w'))).toBe('ERR_CLIENT_CLOSED');
    const results = await Promise.all(gets);
    expect(results.filter((v) => v === 'v')).toHaveLength(1000);
    await closing;
    expect(pools(client).map((p) => [p.connectionCount, p.pending()])).toEqual([[0, 0]]);
    await expectServerConnections(idle);
  });

  it('commands queued while connecting are sent and finish before quit', async () => {
    const client = new Client({ servers: [mc.address] });
    const writes = Array.from({ length: 200 }, (_, i) => client.set(`gc:q${i}`, i));
    const closing = client.close({ graceful: true });
    expect(await Promise.all(writes)).toEqual(Array(200).fill(true));
    await closing;
    await expectServerConnections(idle);
    const check = new Client({ servers: [mc.address] });
    expect(await check.get('gc:q199')).toBe(199);
    await check.close();
  });

  it('a metadump on its own connection finishes, and that connection closes too', async () => {
    const client = new Client({ servers: [mc.address] });
    await client.set('gc:dump', 'x');
    const dump = client.metadump();
    const closing = client.close({ graceful: true });
    const items = answerOf(await dump);
    expect(items.some((i) => i.key === 'gc:dump')).toBe(true);
    await closing;
    expect(pools(client)[0]!.connectionCount).toBe(0);
    await expectServerConnections(idle);
  });

  it('a stalled server: the close settles in about `timeout`, what is left fails with ERR_CLIENT_CLOSED', async () => {
    const client = new Client({ servers: [mc.address], timeout: 30_000 });
    await client.set('gc:k', 'v');
    await freeze(mc);
    const gets = Array.from({ length: 100 }, () => codeOf(client.get('gc:k')));
    const started = performance.now();
    await client.close({ graceful: true, timeout: 300 });
    const took = performance.now() - started;
    expect(await Promise.all(gets)).toEqual(Array(100).fill('ERR_CLIENT_CLOSED'));
    // Not before the timeout; long before the commands' own 30 s.
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(10_000);
    expect(pools(client)[0]!.connectionCount).toBe(0);
    mc.kill('SIGCONT');
    await expectServerConnections(idle);
  });

  it('a server that never answers quit cannot hold the close past the client timeout', async () => {
    const client = new Client({ servers: [mc.address], timeout: 300 });
    await client.set('gc:k', 'v');
    await freeze(mc);
    const started = performance.now();
    // Nothing pending: quit goes out at once and the server, stopped, never closes.
    await client.close({ graceful: true });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(pools(client)[0]!.connectionCount).toBe(0);
  });

  it('await using closes gracefully: a command left in flight still resolves', async () => {
    let pending: Promise<unknown> | undefined;
    {
      await using client = new Client({ servers: [mc.address] });
      await client.set('gc:using', 'u');
      pending = client.get('gc:using');
    }
    expect(await pending).toBe('u');
    await expectServerConnections(idle);
  });

  it('close() during a graceful close cuts it short; both resolve', async () => {
    const client = new Client({ servers: [mc.address], timeout: 30_000 });
    await client.set('gc:k', 'v');
    await freeze(mc);
    const get = codeOf(client.get('gc:k'));
    const graceful = client.close({ graceful: true });
    await client.close();
    await graceful;
    expect(await get).toBe('ERR_CLIENT_CLOSED');
    expect(pools(client)[0]!.connectionCount).toBe(0);
  });

  it('close options are checked', async () => {
    const client = new Client({ servers: [mc.address] });
    expect(await codeOf(client.close(5000 as never))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(client.close({ timeout: 5000 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(client.close({ graceful: true, timeout: 0 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(client.close({ graceful: true, timout: 5 } as never))).toBe('ERR_INVALID_ARGUMENT');
    await client.close();
  });
});

describe('immediate close', () => {
  it('also closes the one-off metadump connection, at once', async () => {
    const client = new Client({ servers: [mc.address], timeout: 30_000 });
    await client.set('gc:k', 'v');
    await freeze(mc);
    const dump = codeOf(client.metadump());
    await waitUntil(() => pools(client)[0]!.connectionCount === 2, "metadump's own connection");
    await client.close();
    expect(await dump).toBe('ERR_CLIENT_CLOSED');
    expect(pools(client)[0]!.connectionCount).toBe(0);
    mc.kill('SIGCONT');
    await expectServerConnections(idle);
  });
});
