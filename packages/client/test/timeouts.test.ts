import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type MemkitError } from '../src/index';
import { type Backend, freeze, startReal } from './helpers/backends';

describe('timeouts and aborts (real memcached)', () => {
  let server: Backend;

  beforeAll(async () => {
    server = await startReal();
  });
  afterAll(async () => {
    server.instance?.kill('SIGCONT');
    await server.stop();
  });

  it('a stalled server gives ERR_TIMEOUT by its timeout; the next command gets its own value', async () => {
    const client = new Client({ servers: [server.address], timeout: 300 });
    try {
      await client.set('before', 'b-value');
      await freeze(server.instance!);
      const start = performance.now();
      const errs = await Promise.all(
        [client.get('before'), client.get('other')].map((p) => p.catch((e) => e)),
      );
      const elapsed = performance.now() - start;
      expect((errs[0] as MemkitError).code).toBe('ERR_TIMEOUT');
      expect(['ERR_TIMEOUT', 'ERR_CONNECTION_CLOSED']).toContain((errs[1] as MemkitError).code);
      // Not before the timeout (timers never fire early); the upper bound only proves it does not
      // hang until a much later event (a loaded machine may delay the timer itself).
      expect(elapsed).toBeGreaterThanOrEqual(299);
      expect(elapsed).toBeLessThan(300 + 10_000);
      server.instance!.kill('SIGCONT');
      // The stalled socket was destroyed: the late replies cannot reach these callers.
      await client.set('after', 'a-value');
      expect(await client.get('after')).toBe('a-value');
      expect(await client.get('before')).toBe('b-value');
    } finally {
      server.instance!.kill('SIGCONT');
      await client.close();
    }
  });

  it('an abort before writing removes the command; after writing the reply is swallowed', async () => {
    const client = new Client({ servers: [server.address] });
    try {
      await client.set('k', 'v');
      const ac = new AbortController();
      ac.abort(new Error('nope'));
      await expect(client.get('k', { signal: ac.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
      const ac2 = new AbortController();
      const p = client.get('k', { signal: ac2.signal });
      ac2.abort();
      await expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED' });
      expect(await client.get('k')).toBe('v');
    } finally {
      await client.close();
    }
  });

  it('10k pipelined gets with random aborts: every completed call has its own value', async () => {
    const client = new Client({ servers: [server.address] });
    try {
      const n = 10_000;
      const entries = Array.from({ length: 500 }, (_, i) => [`p${i}`, `value-of-p${i}`] as const);
      expect(await client.setMulti(entries)).toEqual([]);
      let seed = 12345;
      const rand = () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed / 0x7fffffff;
      };
      const calls: Promise<{ key: string; value: unknown } | { key: string; error: MemkitError }>[] = [];
      for (let i = 0; i < n; i++) {
        const key = `p${i % 500}`;
        const ac = new AbortController();
        const r = rand();
        calls.push(
          client.get(key, { signal: ac.signal }).then(
            (value) => ({ key, value }),
            (error: MemkitError) => ({ key, error }),
          ),
        );
        if (r < 0.05) ac.abort();
        else if (r < 0.1) setTimeout(() => ac.abort(), Math.floor(rand() * 5));
        else if (r < 0.12) queueMicrotask(() => ac.abort());
      }
      const results = await Promise.all(calls);
      let ok = 0;
      for (const res of results) {
        if ('error' in res) {
          expect(res.error.code).toBe('ERR_ABORTED');
        } else {
          expect(res.value).toBe(`value-of-${res.key}`);
          ok++;
        }
      }
      expect(ok).toBeGreaterThan(n / 2);
      expect(await client.get('p7')).toBe('value-of-p7');
    } finally {
      await client.close();
    }
  });

  it('a refused connection fails fast with ERR_CONNECT, and works once the server is back', async () => {
    const client = new Client({ servers: ['127.0.0.1:1'], connectTimeout: 500 });
    try {
      await expect(client.get('x')).rejects.toMatchObject({ code: 'ERR_CONNECT' });
      // During backoff: immediate failure, settled before the event loop reaches any I/O or timer.
      const during = await Promise.race([
        client.get('x').then(
          () => 'resolved',
          (e: MemkitError) => e.code,
        ),
        new Promise((resolve) => setImmediate(() => resolve('waited for I/O'))),
      ]);
      expect(during).toBe('ERR_CONNECT');
    } finally {
      await client.close();
    }
  });

  it('close() rejects pending commands and leaves no socket', async () => {
    const client = new Client({ servers: [server.address] });
    await client.set('z', 1);
    // Queued in this tick, so not yet written when close() destroys the socket: it must fail,
    // never hang and never resolve late.
    const p = client.get('z');
    await client.close();
    await expect(p).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
    await expect(client.get('z')).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
    // This client's own sockets, not a process-wide count that other work can move.
    const pools = (client as unknown as { ctx: { cluster: { pools: Array<{ connectionCount: number }> } } })
      .ctx.cluster.pools;
    expect(pools.map((pool) => pool.connectionCount)).toEqual([0]);
  });
});
