import { describe, expect, it } from 'vitest';
import type { ServerNode } from '../src/cluster/locator';
import { cmemcacheHash, MODULA_SERVER_RETRIES, ModulaLocator } from '../src/cluster/modula';
import { hex, loadVectors, type ModulaServer, type ModulaVectors, modulaSpec } from './helpers/vectors';

const vectors = loadVectors<ModulaVectors>('modula-python-memcached.json');

/** python-memcached places keys by server order and weight only; the address is a label here. */
function toNodes(servers: ModulaServer[]): ServerNode[] {
  return servers.map((s, i) => {
    const spec = modulaSpec(s);
    return { address: spec, host: spec, port: i, weight: s.weight };
  });
}

function caseNamed(name: string) {
  const c = vectors.cases.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no case ${name} in modula-python-memcached.json`);
  return c;
}

describe('modula-python-memcached.json', () => {
  it('has cases and keys', () => {
    expect(vectors.cases.length).toBeGreaterThanOrEqual(6);
    expect(vectors.keys.length).toBeGreaterThanOrEqual(100);
  });

  for (const c of vectors.cases) {
    describe(c.name, () => {
      const nodes = toNodes(c.servers);
      const locator = new ModulaLocator(nodes);

      it('builds the same buckets', () => {
        expect(locator.buckets.map((n) => nodes.indexOf(n))).toEqual(c.buckets);
      });

      it('puts every key on the same server', () => {
        expect(c.server_index.length).toBe(vectors.keys.length);
        const mismatches: string[] = [];
        vectors.keys.forEach((k, i) => {
          const want = nodes[c.server_index[i]!];
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

  it('places explicit (hashvalue, key) keys by the given hash', () => {
    const { case: name, entries } = vectors.explicit_hash_keys;
    const nodes = toNodes(caseNamed(name).servers);
    const locator = new ModulaLocator(nodes);
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      expect(locator.locateHash(e.hashvalue), `key ${e.key} hash ${e.hashvalue}`).toBe(nodes[e.server_index]);
    }
  });

  it('places keys like useOldServerHashFunction() with hash: crc32', () => {
    const old = vectors.old_server_hash_function;
    const nodes = toNodes(caseNamed(old.case).servers);
    const locator = new ModulaLocator(nodes, { hash: 'crc32' });
    const mismatches = vectors.keys
      .filter((k, i) => locator.locate(hex(k.hex)) !== nodes[old.server_index[i]!])
      .map((k) => k.text);
    expect(mismatches).toEqual([]);
  });

  describe('failover', () => {
    const { failover } = vectors;
    const nodes = toNodes(failover.servers);

    it('has probe sequences to check', () => {
      expect(failover.keys.length).toBeGreaterThan(0);
      expect(new ModulaLocator(nodes).buckets.map((n) => nodes.indexOf(n))).toEqual(failover.buckets);
    });

    it('re-hashes like python-memcached on every probe', () => {
      for (const k of failover.keys) {
        const hashes = [cmemcacheHash(hex(k.hex))];
        for (let i = 0; i < MODULA_SERVER_RETRIES - 1; i++) {
          hashes.push(cmemcacheHash(String(hashes[i]) + String(i)));
        }
        expect(hashes, `key ${JSON.stringify(k.text)}`).toEqual(k.probe_hashes);
        expect(hashes.map((h) => h % failover.buckets.length)).toEqual(k.probe_buckets);
        expect(k.probe_buckets.map((b) => failover.buckets[b])).toEqual(k.probe_servers);
      }
    });

    it('skips the dead primary, then the dead second choice', () => {
      for (const k of failover.keys) {
        const key = hex(k.hex);
        const locator = new ModulaLocator(nodes);
        const primary = nodes[k.probe_servers[0]!]!;
        expect(locator.locate(key)).toBe(primary);
        locator.rebuild(nodes.filter((n) => n !== primary));
        const second = nodes[k.chosen_if_primary_dead]!;
        expect(locator.locate(key), `key ${JSON.stringify(k.text)}`).toBe(second);
        locator.rebuild(nodes.filter((n) => n !== primary && n !== second));
        const third = k.chosen_if_primary_and_that_dead;
        expect(locator.locate(key), `key ${JSON.stringify(k.text)}`).toBe(
          third === null ? undefined : nodes[third],
        );
        locator.rebuild(nodes);
        expect(locator.locate(key)).toBe(primary);
      }
    });

    it('walks the whole probe sequence and gives up after 10 probes', () => {
      for (const k of failover.keys) {
        const key = hex(k.hex);
        const locator = new ModulaLocator(nodes);
        // With one server live, the key lands on it at its first probe, if any.
        nodes.forEach((n, index) => {
          locator.rebuild([n]);
          const found = k.probe_servers.includes(index) ? n : undefined;
          expect(locator.locate(key), `key ${JSON.stringify(k.text)} live ${n.address}`).toBe(found);
        });
        locator.rebuild([]);
        expect(locator.locate(key)).toBeUndefined();
      }
    });
  });
});

describe('ModulaLocator', () => {
  const nodes = toNodes([
    { spec: '127.0.0.1:1', weight: 1 },
    { spec: '127.0.0.1:2', weight: 2 },
  ]);

  it('follows Python modulo for negative explicit hashes', () => {
    const locator = new ModulaLocator(nodes);
    // Python: -1 % 3 == 2 -> buckets[2] is the second server.
    expect(locator.locateHash(-1)).toBe(nodes[1]);
    expect(locator.locateHash(-3)).toBe(nodes[0]);
  });

  it('rejects bad hashes and weights', () => {
    const locator = new ModulaLocator(nodes);
    expect(() => locator.locateHash(1.5)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => new ModulaLocator([{ ...nodes[0]!, weight: -1 }])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });

  it('returns undefined when no server has a bucket', () => {
    expect(new ModulaLocator([{ ...nodes[0]!, weight: 0 }]).locate('foo')).toBeUndefined();
  });
});
