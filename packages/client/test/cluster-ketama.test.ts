import { describe, expect, it } from 'vitest';
import { md5, md5U32, oneAtATime } from '../src/cluster/hash';
import {
  type KetamaHashing,
  KetamaLocator,
  type KetamaMode,
  ketamaLabel,
  weightedPointCount,
} from '../src/cluster/ketama';
import type { ServerNode } from '../src/cluster/locator';
import { hex, type KetamaServer, type KetamaVectors, loadVectors } from './helpers/vectors';

const vectors = loadVectors<KetamaVectors>('ketama.json');

/** The vectors name libmemcached's behaviours; memkit names them as the `hashing` option does. */
const MODES: Record<string, KetamaHashing> = {
  ketama_weighted: 'ketama',
  ketama: 'ketama-oaat',
  ketama_md5: 'ketama-md5',
};

function toNode(s: KetamaServer): ServerNode {
  if (s.socket_path !== undefined) {
    return {
      address: s.socket_path,
      host: s.host,
      port: s.port,
      weight: s.weight,
      socketPath: s.socket_path,
    };
  }
  const address = s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`;
  return { address, host: s.host, port: s.port, weight: s.weight };
}

function node(port: number, weight = 1): ServerNode {
  return { address: `127.0.0.1:${port}`, host: '127.0.0.1', port, weight };
}

describe('ketama.json', () => {
  it('covers every case and mode, IPv6 and unix sockets included', () => {
    expect(vectors.cases.length).toBeGreaterThanOrEqual(10);
    const servers = vectors.cases.flatMap((c) => c.servers);
    expect(servers.some((s) => s.socket_path !== undefined)).toBe(true);
    expect(servers.some((s) => s.host === '::1' && s.port === 11211)).toBe(true);
    expect(vectors.keys.some((k) => k.len === 250 && k.text.length < 250)).toBe(true);
    for (const c of vectors.cases) {
      expect(Object.keys(c.modes).sort()).toEqual(Object.keys(MODES).sort());
    }
  });

  for (const c of vectors.cases) {
    for (const [modeName, expected] of Object.entries(c.modes)) {
      describe(`${c.name} / ${modeName}`, () => {
        const nodes = c.servers.map(toNode);
        const mode = MODES[modeName];
        if (mode === undefined) throw new Error(`unknown mode ${modeName} in ketama.json`);
        const locator = new KetamaLocator(nodes, { hashing: mode });
        const continuum = locator.continuum();

        it('uses the same point scheme, points per server and continuum size', () => {
          expect(locator.weightedPoints).toBe(expected.weighted_points);
          expect(continuum.length).toBe(expected.continuum_size);
          const counts = nodes.map((n) => continuum.filter((p) => p.node === n).length);
          expect(counts).toEqual(expected.points_per_server);
        });

        it('has the same sorted continuum head', () => {
          const head = continuum
            .slice(0, expected.sorted_continuum_first.length)
            .map((p) => ({ value: p.value, server: nodes.indexOf(p.node) }));
          expect(head).toEqual(expected.sorted_continuum_first);
        });

        it('labels and hashes points like libmemcached', () => {
          const have = new Set(continuum.map((p) => `${p.value}@${nodes.indexOf(p.node)}`));
          expected.continuum_head_per_server.forEach((labels, server) => {
            labels.forEach(({ label, points }, i) => {
              expect(ketamaLabel(nodes[server]!, i)).toBe(label);
              const digest = md5(label);
              const ours = expected.weighted_points
                ? [0, 1, 2, 3].map((j) => digest.readUInt32LE(j * 4))
                : [mode === 'ketama-oaat' ? oneAtATime(label) : md5U32(label)];
              expect(ours, `label ${label}`).toEqual(points);
              for (const p of points) expect(have.has(`${p}@${server}`), `point ${p} of ${label}`).toBe(true);
            });
          });
        });

        it('puts every key on the same server', () => {
          expect(expected.server_index.length).toBe(vectors.keys.length);
          const mismatches: string[] = [];
          vectors.keys.forEach((k, i) => {
            const want = nodes[expected.server_index[i]!];
            const byBytes = locator.locate(hex(k.hex));
            const byText = locator.locate(k.text);
            if (byBytes !== want || byText !== want) {
              mismatches.push(`${JSON.stringify(k.text)}: want ${want?.address}, got ${byBytes?.address}`);
            }
          });
          expect(mismatches).toEqual([]);
        });
      });
    }
  }
});

describe('weighted point counts', () => {
  it('are computed in float32 (weights 1,6,6,6,6 give 28 and 188 points)', () => {
    expect(weightedPointCount(1, 25, 5)).toBe(28);
    expect(weightedPointCount(6, 25, 5)).toBe(188);
    // Double precision would give 32 here: the float32 rounding is what differs.
    expect(Math.floor((1 / 25) * 40 * 5 + 1e-10) * 4).toBe(32);
  });

  it('give 160 points to each of equally weighted servers', () => {
    for (const n of [1, 2, 3, 7, 10, 31]) expect(weightedPointCount(3, 3 * n, n)).toBe(160);
  });
});

describe('KetamaLocator', () => {
  const five = [21211, 21212, 21213, 21214, 21215].map((p) => node(p));
  const keys = Array.from({ length: 2000 }, (_, i) => `user:${i}`);

  it('returns undefined with no live server and the only server without hashing', () => {
    const locator = new KetamaLocator(five);
    locator.rebuild([]);
    expect(locator.locate('foo')).toBeUndefined();
    locator.rebuild([five[2]!]);
    for (const k of keys.slice(0, 50)) expect(locator.locate(k)).toBe(five[2]);
  });

  it('rebuild over live servers moves only the dead server keys, and restores them', () => {
    const locator = new KetamaLocator(five);
    const before = keys.map((k) => locator.locate(k));
    const dead = five[1]!;
    locator.rebuild(five.filter((n) => n !== dead));
    let moved = 0;
    keys.forEach((k, i) => {
      const now = locator.locate(k);
      expect(now).not.toBe(dead);
      if (before[i] === dead) moved++;
      else expect(now, k).toBe(before[i]);
    });
    expect(moved).toBeGreaterThan(0);
    locator.rebuild(five);
    expect(keys.map((k) => locator.locate(k))).toEqual(before);
  });

  it('rebuild(live) gives the same ring as a locator built from the live servers', () => {
    for (const hashing of ['ketama', 'ketama-oaat', 'ketama-md5'] as const) {
      const weighted = [node(1, 1), node(2, 2), node(3, 3), node(4, 1)];
      const live = [weighted[0]!, weighted[2]!, weighted[3]!];
      const a = new KetamaLocator(weighted, { hashing });
      a.rebuild(live);
      const b = new KetamaLocator(live, { hashing });
      expect(b.weightedPoints).toBe(true); // weight 3 is still there
      expect(a.continuum().map((p) => [p.value, p.node.address])).toEqual(
        b.continuum().map((p) => [p.value, p.node.address]),
      );
    }
  });

  it('breaks ties by configuration order whatever order rebuild gets', () => {
    // Same host and port under two identities: every point is a tie.
    const a: ServerNode = { address: 'a', host: '10.0.0.1', port: 11211, weight: 1 };
    const b: ServerNode = { address: 'b', host: '10.0.0.1', port: 11211, weight: 1 };
    const ab = new KetamaLocator([a, b]);
    ab.rebuild([b, a]);
    const ba = new KetamaLocator([b, a]);
    for (const k of keys.slice(0, 200)) {
      expect(ab.locate(k)).toBe(a);
      expect(ba.locate(k)).toBe(b);
    }
  });

  it('labels unix sockets by path with port 0, as libmemcached does', () => {
    const sock: ServerNode = {
      address: '/run/mc.sock',
      host: '/run/mc.sock',
      port: 0,
      weight: 1,
      socketPath: '/run/mc.sock',
    };
    expect(ketamaLabel(sock, 3)).toBe('/run/mc.sock:0-3');
    expect(ketamaLabel(node(11211), 0)).toBe('127.0.0.1-0');
    expect(ketamaLabel({ address: '[::1]:11211', host: '::1', port: 11211, weight: 1 }, 1)).toBe('::1-1');
  });

  it('rejects weights libmemcached cannot express', () => {
    expect(() => new KetamaLocator([node(1, 0)])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => new KetamaLocator([node(1, 1.5)])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => new KetamaLocator([node(1)], { mode: 'nope' as KetamaMode })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => new KetamaLocator([node(1)], { hashing: 'modula' as KetamaHashing })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });

  it('names its configurations like the hashing option; the old mode names still work, deprecated', () => {
    const nodes = [node(1, 1), node(2, 2), node(3, 1)];
    const ring = (l: KetamaLocator) => l.continuum().map((p) => `${p.value}:${p.node.address}`);
    expect(new KetamaLocator(nodes).hashing).toBe('ketama');
    const pairs: Array<[KetamaMode, KetamaHashing]> = [
      ['weighted', 'ketama'],
      ['ketama', 'ketama-oaat'],
      ['ketama_md5', 'ketama-md5'],
    ];
    for (const [mode, hashing] of pairs) {
      const old = new KetamaLocator(nodes, { mode });
      const now = new KetamaLocator(nodes, { hashing });
      expect(old.hashing).toBe(hashing);
      expect(now.mode).toBe(mode);
      expect(ring(old)).toEqual(ring(now));
      for (const k of keys.slice(0, 100)) expect(old.locate(k)).toBe(now.locate(k));
    }
    // 'ketama' as a mode is one_at_a_time; as hashing it is weighted md5: keys land elsewhere.
    const equal = [node(1), node(2), node(3)];
    const oaat = new KetamaLocator(equal, { mode: 'ketama' });
    const md5 = new KetamaLocator(equal, { hashing: 'ketama' });
    expect(keys.filter((k) => oaat.locate(k) !== md5.locate(k)).length).toBeGreaterThan(keys.length / 3);
    expect(() => new KetamaLocator(nodes, { mode: 'ketama', hashing: 'ketama' })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARGUMENT',
        message: expect.stringMatching(/ketama-oaat/),
      }),
    );
  });
});
