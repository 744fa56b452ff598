/**
 * Any session ID is a key (issue 22): IDs from a custom `genid` with spaces,
 * CR/LF, emoji or 1,000 bytes round-trip through real express-session
 * middleware and through the store API (property test over arbitrary
 * strings), the listing operations handle their mapped forms, and the
 * README's Python snippet finds each session with python-memcached.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@memkit/client';
import {
  anyKey,
  type MemcachedInstance,
  rawCommand,
  readmePython,
  requirePythonMemcache,
  runPython,
  startMemcached,
  UNUSUAL_KEYS,
} from '@memkit/testing';
import session from 'express-session';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MemkitStore } from '../src/index';
import { all, clear, destroy, get, length, sessionFor, set, touch } from './helpers';

const NINE = UNUSUAL_KEYS;

let mc: MemcachedInstance;
let store: MemkitStore;

beforeAll(async () => {
  mc = await startMemcached({ memoryMb: 16 });
  store = new MemkitStore({ servers: [mc.address], keyPrefix: 'ids:' });
});
afterAll(async () => {
  await store?.close();
  await mc?.stop();
});

describe('any session ID', () => {
  test('the nine IDs of issue 22: set, get, touch, destroy, each its own session, nothing injected', async () => {
    await rawCommand(mc, 'set victim 0 0 5\r\nalive\r\n');
    for (const [i, sid] of NINE.entries()) await set(store, sid, sessionFor(60_000, { i }));
    for (const [i, sid] of NINE.entries()) expect(await get(store, sid)).toMatchObject({ i });
    for (const sid of NINE) await touch(store, sid, sessionFor(120_000));
    await destroy(store, NINE[2]!);
    expect(await get(store, NINE[2]!)).toBeNull();
    expect(await get(store, NINE[3]!)).toMatchObject({ i: 3 });
    expect(await rawCommand(mc, 'get victim\r\n')).toBe('VALUE victim 0 5\r\nalive\r\nEND\r\n');
  });

  test('all/ids list the IDs that can be named, length counts every session, clear deletes every one', async () => {
    const s = new MemkitStore({ servers: [mc.address], keyPrefix: 'list:' });
    try {
      for (const [i, sid] of NINE.entries()) await set(s, sid, sessionFor(60_000, { i }));
      const named = NINE.slice(0, 6); // the three long IDs are stored in the digest form
      expect((await s.ids()).sort()).toEqual([...named].sort());
      const sessions = await all(s);
      expect(Object.keys(sessions).sort()).toEqual([...named].sort());
      for (const [i, sid] of named.entries()) expect(sessions[sid]).toMatchObject({ i });
      expect(await length(s)).toBe(9);
      await clear(s);
      expect(await length(s)).toBe(0);
      for (const sid of NINE) expect(await get(s, sid)).toBeNull();
    } finally {
      await s.close();
    }
  });

  test('a client with its own keyPrefix: the prefix counts, and listing finds the sessions', async () => {
    const client = new Client({ servers: [mc.address], keyPrefix: 'tenant-1:' });
    const s = new MemkitStore({ client, keyPrefix: 's:' });
    try {
      await set(s, 'k'.repeat(240), sessionFor(60_000, { long: true }));
      await set(s, 'short id', sessionFor(60_000, { long: false }));
      expect(await get(s, 'k'.repeat(240))).toMatchObject({ long: true });
      expect(await s.ids()).toEqual(['short id']);
      expect(await length(s)).toBe(2);
      await clear(s);
      expect(await length(s)).toBe(0);
    } finally {
      await client.close();
    }
  });

  test('arbitrary IDs (fast-check): set → get returns the session, distinct IDs never share one', async () => {
    const anyId = anyKey();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(anyId, { minLength: 1, maxLength: 8 }), async (ids) => {
        run++;
        for (const [i, sid] of ids.entries()) await set(store, sid, sessionFor(60_000, { run, i }));
        for (const [i, sid] of ids.entries()) expect(await get(store, sid)).toMatchObject({ run, i });
        for (const sid of ids) await destroy(store, sid);
        for (const sid of ids) expect(await get(store, sid)).toBeNull();
      }),
      { numRuns: 40 },
    );
  });
});

describe('express-session with a custom genid', () => {
  let server: Server;
  let url: string;
  let next = 0;
  const ids = [...NINE.filter((sid) => sid !== ''), 'plain-id'];

  beforeAll(async () => {
    const middleware = session({
      store,
      secret: 'test secret',
      resave: false,
      saveUninitialized: false,
      genid: () => ids[next++ % ids.length]!,
    });
    server = createServer((req, res) => {
      middleware(req as never, res as never, () => {
        const s = (req as unknown as { session: session.Session & { views?: number } }).session;
        s.views = (s.views ?? 0) + 1;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: (req as unknown as { sessionID: string }).sessionID, views: s.views }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  test('every generated ID keeps its session across requests', async () => {
    for (const id of ids) {
      const first = await fetch(url);
      const cookie = first.headers.get('set-cookie')?.split(';')[0];
      expect(cookie, `a cookie for ${JSON.stringify(id.slice(0, 20))}`).toBeDefined();
      expect(await first.json()).toEqual({ id, views: 1 });
      const second = await fetch(url, { headers: { cookie: cookie! } });
      expect(await second.json()).toEqual({ id, views: 2 });
    }
  });
});

describe("the README's Python snippet", () => {
  test('finds every session memkit stored, with python-memcached (text keys) or one mg (binary keys)', async () => {
    const snippet = readmePython(new URL('../README.md', import.meta.url));
    requirePythonMemcache();
    const sids = [...NINE, ...fc.sample(anyKey({ maxLength: 400 }), 20)].filter(
      (k, i, a) => a.indexOf(k) === i,
    );
    for (const [i, sid] of sids.entries()) await set(store, sid, sessionFor(60_000, { i }));
    const found = runPython<unknown[]>(
      `${snippet}
import sys, memcache
job = json.load(sys.stdin)
mc = memcache.Client(['127.0.0.1:%d' % job['port']])
found = []
for sid in job['sids']:
    kind, key = memkit_key(sid, prefix='ids:')
    text = mc.get(key) if kind == 'text' else meta_get(('127.0.0.1', job['port']), key)
    found.append(json.loads(text)['i'] if text is not None else None)
print(json.dumps(found))
`,
      { port: mc.port, sids },
    );
    expect(found).toEqual(sids.map((_, i) => i));
  });
});
