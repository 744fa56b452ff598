/**
 * Live cluster interop: three real memcached servers shared with pylibmc
 * (libmemcached ketama) and python-memcached (modula). Keys the Python client
 * writes must be found by memkit on the same server, checked by asking every
 * server directly.
 */
import { execFileSync } from 'node:child_process';
import { type MemcachedInstance, rawCommand, startMemcachedCluster, stopAll } from '@memkit/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client, type HashingName } from '../src/index';

const PYTHON = '/usr/bin/python3';
const KEYS = 300;

let servers: MemcachedInstance[];

beforeAll(async () => {
  servers = await startMemcachedCluster(3);
});
afterAll(async () => {
  await stopAll(servers);
});
beforeEach(async () => {
  await Promise.all(servers.map((s) => rawCommand(s, 'flush_all\r\n')));
});

/** Which server holds each key, asking every server with a raw `get` (no client involved). */
async function whereIs(keys: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const s of servers) {
    for (let i = 0; i < keys.length; i += 50) {
      const batch = keys.slice(i, i + 50);
      const reply = await rawCommand(s, `get ${batch.join(' ')}\r\n`, { idleMs: 2000 });
      for (const m of reply.matchAll(/^VALUE (\S+) /gm)) {
        expect(found.has(m[1]!), `key ${m[1]} is on two servers`).toBe(false);
        found.set(m[1]!, s.address);
      }
    }
  }
  return found;
}

function python(script: string, specs: unknown): void {
  execFileSync(PYTHON, ['-c', script, JSON.stringify(specs)], {
    timeout: 30_000,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const keys = Array.from({ length: KEYS }, (_, i) => `user:${i}:${(i * 7919) % 1000}`);

const cases: Array<{ name: string; weights: number[]; pylibmc: string; hashing: HashingName }> = [
  {
    name: 'ketama_weighted, weights 1:2:3',
    weights: [1, 2, 3],
    pylibmc: '{"ketama_weighted": True}',
    hashing: 'ketama',
  },
  {
    name: 'ketama_weighted, equal weights',
    weights: [1, 1, 1],
    pylibmc: '{"ketama_weighted": True}',
    hashing: 'ketama',
  },
  { name: 'ketama (one_at_a_time)', weights: [1, 1, 1], pylibmc: '{"ketama": True}', hashing: 'ketama-oaat' },
  {
    name: 'ketama (one_at_a_time), weights 2:1:1',
    weights: [2, 1, 1],
    pylibmc: '{"ketama": True}',
    hashing: 'ketama-oaat',
  },
];

describe.each(cases)('pylibmc $name', ({ weights, pylibmc, hashing }) => {
  it('memkit finds every pylibmc key on the server pylibmc chose', async () => {
    const specs = servers.map((s, i) => `${s.host}:${s.port}:${weights[i]}`);
    python(
      `
import sys, json, pylibmc
specs = json.loads(sys.argv[1])
mc = pylibmc.Client(specs, behaviors=${pylibmc})
for i in range(${KEYS}):
    k = 'user:%d:%d' % (i, (i * 7919) % 1000)
    assert mc.set(k, 'v-' + k)
`,
      specs,
    );
    const where = await whereIs(keys);
    expect(where.size).toBe(KEYS);
    const client = new Client({ servers: specs, hashing });
    try {
      for (const k of keys) expect(client.serverFor(k), k).toBe(where.get(k));
      const got = await client.getMulti<string>(keys);
      expect(got.size).toBe(KEYS);
      expect(got.get(keys[5]!)).toBe(`v-${keys[5]}`);
    } finally {
      await client.close();
    }
  });
});

describe('python-memcached modula', () => {
  it('memkit finds every python-memcached key on the same server, with weights', async () => {
    const weights = [1, 2, 3];
    const specs = servers.map((s, i) => [`${s.host}:${s.port}`, weights[i]]);
    python(
      `
import sys, json, memcache
specs = [tuple(s) for s in json.loads(sys.argv[1])]
mc = memcache.Client(specs)
for i in range(${KEYS}):
    k = 'user:%d:%d' % (i, (i * 7919) % 1000)
    assert mc.set(k, 'v-' + k)
`,
      specs,
    );
    const where = await whereIs(keys);
    expect(where.size).toBe(KEYS);
    const client = new Client({
      servers: servers.map((s, i) => ({ host: s.host, port: s.port, weight: weights[i]! })),
      hashing: 'modula',
    });
    try {
      for (const k of keys) expect(client.serverFor(k), k).toBe(where.get(k));
      expect((await client.getMulti(keys)).size).toBe(KEYS);
    } finally {
      await client.close();
    }
  });

  it('and python-memcached reads what memkit wrote', async () => {
    const client = new Client({ servers: servers.map((s) => s.address), hashing: 'modula' });
    try {
      expect(await client.setMulti(keys.map((k) => [k, `js-${k}`] as const))).toEqual([]);
    } finally {
      await client.close();
    }
    const out = execFileSync(
      PYTHON,
      [
        '-c',
        `
import sys, json, memcache
mc = memcache.Client(json.loads(sys.argv[1]))
keys = json.loads(sys.argv[2])
got = mc.get_multi(keys)
print(sum(1 for k in keys if got.get(k) == 'js-' + k))
`,
        JSON.stringify(servers.map((s) => s.address)),
        JSON.stringify(keys),
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(Number(out.trim())).toBe(KEYS);
  });
});
