/**
 * Where replicas go (`locateN` of ketama and modula) and which `replicas` /
 * `replicaWrites` options are refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KetamaLocator } from '../src/cluster/ketama';
import type { NodeLocator, ServerNode } from '../src/cluster/locator';
import { ModulaLocator } from '../src/cluster/modula';
import { readOrder, requiredCopies } from '../src/cluster/replicas';
import type { Context } from '../src/context';
import { Client, MemkitError } from '../src/index';

function nodes(count: number): ServerNode[] {
  return Array.from({ length: count }, (_, i) => ({
    address: `10.0.0.${i + 1}:11211`,
    host: `10.0.0.${i + 1}`,
    port: 11211,
    weight: 1,
  }));
}

const locators: Array<[string, (n: ServerNode[]) => NodeLocator]> = [
  ['ketama', (n) => new KetamaLocator(n)],
  ['ketama-oaat', (n) => new KetamaLocator(n, { hashing: 'ketama-oaat' })],
  ['modula', (n) => new ModulaLocator(n)],
];

describe.each(locators)('%s locateN', (_name, make) => {
  it('names min(n, servers) distinct servers, the first being locate(key)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 12 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        (count, n, key) => {
          const locator = make(nodes(count));
          const found = locator.locateN!(key, n);
          expect(found).toHaveLength(Math.min(n, count));
          expect(new Set(found.map((s) => s.address)).size).toBe(found.length);
          expect(found[0]!.address).toBe(locator.locate(key)!.address);
          // Asking for fewer copies gives a prefix: replica order is stable.
          expect(locator.locateN!(key, n - 1)).toEqual(found.slice(0, n - 1));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('spreads second copies over every other server', () => {
    const all = nodes(4);
    const locator = make(all);
    const seconds = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const [, second] = locator.locateN!(`spread:${i}`, 2);
      seconds.set(second!.address, (seconds.get(second!.address) ?? 0) + 1);
    }
    expect(seconds.size).toBe(4);
    for (const count of seconds.values()) expect(count).toBeGreaterThan(4000 / 4 / 3);
  });
});

describe('ketama replica order', () => {
  it('is the ring of the live servers: with the first replica gone, the second owns the key', () => {
    const all = nodes(5);
    const full = new KetamaLocator(all);
    for (let i = 0; i < 500; i++) {
      const key = `order:${i}`;
      const [first, second] = full.locateN(key, 2);
      const without = new KetamaLocator(all, { live: all.filter((n) => n !== first) });
      expect(without.locate(key)!.address).toBe(second!.address);
    }
  });
});

describe('replicaWrites', () => {
  it('requires all, a majority or one of the copies', () => {
    expect([1, 2, 3, 4, 5].map((n) => requiredCopies('all', n))).toEqual([1, 2, 3, 4, 5]);
    expect([1, 2, 3, 4, 5].map((n) => requiredCopies('majority', n))).toEqual([1, 2, 2, 3, 3]);
    expect([1, 2, 3, 4, 5].map((n) => requiredCopies('any', n))).toEqual([1, 1, 1, 1, 1]);
  });
});

describe('replica options', () => {
  const servers = ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3'];

  function refusal(options: ConstructorParameters<typeof Client>[0]): MemkitError {
    try {
      new Client(options).close();
    } catch (err) {
      return err as MemkitError;
    }
    throw new Error(`accepted ${JSON.stringify(options)}`);
  }

  it.each([0, -1, 1.5, 17, Number.NaN, '2' as unknown as number])('refuses replicas: %s', (replicas) => {
    const err = refusal({ servers, replicas });
    expect(err).toBeInstanceOf(MemkitError);
    expect(err.code).toBe('ERR_INVALID_OPTION');
    expect(err.message).toMatch(/replicas/);
  });

  it('refuses more replicas than servers, naming both', () => {
    const err = refusal({ servers, replicas: 4 });
    expect(err.code).toBe('ERR_INVALID_OPTION');
    expect(err.message).toMatch(/replicas \(4\).*3 server/);
  });

  it('refuses an unknown replicaWrites, and suggests the name for a typo', () => {
    expect(refusal({ servers, replicas: 2, replicaWrites: 'quorum' as 'all' }).code).toBe(
      'ERR_INVALID_OPTION',
    );
    const typo = refusal({ servers, replicas: 2, replicaWrite: 'any' } as never);
    expect(typo.code).toBe('ERR_INVALID_OPTION');
    expect(typo.message).toMatch(/replicaWrites/);
  });

  it("refuses replicas with failover: 'gutter'", () => {
    const err = refusal({
      servers,
      replicas: 2,
      failover: 'gutter',
      gutter: { servers: ['127.0.0.1:4'], ttl: 10 },
    });
    expect(err.code).toBe('ERR_INVALID_OPTION');
    expect(err.message).toMatch(/gutter/);
  });

  it('refuses a custom locator that cannot name several servers', () => {
    const err = refusal({
      servers,
      replicas: 2,
      hashing: (n) => ({ locate: () => n[0], rebuild: () => {} }),
    });
    expect(err.code).toBe('ERR_INVALID_OPTION');
    expect(err.message).toMatch(/locateN/);
  });

  it('accepts replicas up to the number of servers, with each replicaWrites', () => {
    for (const replicaWrites of ['all', 'majority', 'any'] as const) {
      const client = new Client({ servers, replicas: 3, replicaWrites });
      void client.close();
    }
  });
});

describe('replica read order', () => {
  /** A client on ports nothing listens on: nothing is sent, only routing is looked at. */
  function offline() {
    const client = new Client({
      servers: ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3'],
      replicas: 3,
      invalidationBudget: 10,
      reconnectMaxDelay: 60_000,
    });
    const ctx = (client as unknown as { ctx: Context }).ctx;
    const k = ctx.key('order:key');
    const { live } = ctx.cluster.replicasFor(k.route);
    return { client, ctx, k, live };
  }

  it('is replica order while every copy is healthy and none is being invalidated', () => {
    const { client, ctx, k, live } = offline();
    expect(live).toHaveLength(3);
    expect(readOrder(ctx, live, k)).toEqual({ order: live, stale: false });
    void client.close();
  });

  it('puts copies that just failed last, keeping replica order within each group', () => {
    const { client, ctx, k, live } = offline();
    live[0]!.failures = 1;
    expect(readOrder(ctx, live, k).order).toEqual([live[1], live[2], live[0]]);
    live[1]!.failures = 1;
    expect(readOrder(ctx, live, k).order).toEqual([live[2], live[0], live[1]]);
    void client.close();
  });

  it('skips copies with an invalidation of the key pending; with all of them pending, reads them as stale', () => {
    const { client, ctx, k, live } = offline();
    ctx.cluster.invalidations.note(live[0]!.node.address, k, '');
    expect(readOrder(ctx, live, k)).toEqual({ order: [live[1], live[2]], stale: false });
    // Another key is not concerned.
    const other = ctx.key('order:other');
    expect(readOrder(ctx, live, other).order).toHaveLength(3);
    ctx.cluster.invalidations.note(live[1]!.node.address, k, '');
    ctx.cluster.invalidations.note(live[2]!.node.address, k, '');
    expect(readOrder(ctx, live, k)).toEqual({ order: live, stale: true });
    void client.close();
  });
});
