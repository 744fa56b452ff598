/**
 * The near cache's bookkeeping on its own, with a clock the test moves: the
 * byte bound and LRU order, the admission rule (memcached's h/l flags, TTL,
 * size, writes in flight), expiry, revalidation and refresh-ahead, and the
 * sharing window of requests in flight. No server: replies are built here
 * as the decoder would produce them.
 */
import type { MetaValueReply } from '@memkit/protocol';
import { describe, expect, it } from 'vitest';
import {
  ENTRY_OVERHEAD_BYTES,
  HOT_LAST_ACCESS_SECONDS,
  NearCache,
  type NearEntry,
  REFRESH_AHEAD,
  slotOf,
} from '../src/near-cache/near-cache';

function clockAt(t = 1000) {
  const clock = { t, now: () => clock.t };
  return clock;
}

/** A `VA` reply of a hot item (h1 l0, no TTL) unless `flags` say otherwise. */
function reply(value: string, flags: Partial<MetaValueReply> = {}): MetaValueReply {
  return {
    type: 'VA',
    value: Buffer.from(value),
    flags: 16,
    cas: 7n,
    hit: true,
    lastAccess: 0,
    ttl: -1,
    ...flags,
  };
}

/** Fetches `slot` as the reads do: depart, stamp, reply, admission. Returns whether it was cached. */
function fetchInto(
  near: NearCache,
  slot: string,
  r: MetaValueReply,
  decoded: unknown = r.value.toString(),
  server = 'mc1:11211',
) {
  const f = near.depart(slot);
  const gen = f.gen;
  const sent = near.now();
  const e = near.entryOf(slot, r, decoded, sent, server);
  const cached = near.admit(e, r, f, gen, false);
  near.arrive(slot, f, undefined);
  return { cached, e };
}

describe('near cache: a closed connection', () => {
  it("drops the entries of that connection's server only, and keeps the byte count right", () => {
    const near = new NearCache({ maxBytes: 1 << 20, maxAge: 1000 }, clockAt().now);
    for (const k of ['a1', 'a2', 'a3']) fetchInto(near, k, reply('x'), 'x', 'mc1:11211');
    for (const k of ['b1', 'b2']) fetchInto(near, k, reply('y'), 'y', 'mc2:11211');
    const one = 2 + 1 + ENTRY_OVERHEAD_BYTES;
    near.dropServer('mc3:11211'); // holds nothing: nothing changes
    expect(near.stats()).toMatchObject({ entries: 5, bytes: 5 * one, dropped: 0 });
    near.dropServer('mc1:11211');
    expect(near.stats()).toMatchObject({ entries: 2, bytes: 2 * one, dropped: 3 });
    expect(['a1', 'a2', 'a3', 'b1', 'b2'].map((k) => near.fresh(k) !== undefined)).toEqual([
      false,
      false,
      false,
      true,
      true,
    ]);
    // an entry of mc1 read again is held (and dropped) as before
    fetchInto(near, 'a1', reply('x'), 'x', 'mc1:11211');
    near.dropServer('mc2:11211');
    expect(near.stats()).toMatchObject({ entries: 1, bytes: one, dropped: 5 });
    expect(near.fresh('a1')).toBeDefined();
    near.clear();
    near.dropServer('mc1:11211');
    expect(near.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });
});

describe('near cache: byte bound and LRU order', () => {
  it('counts key + serialized value + overhead per entry and never holds more than maxBytes', () => {
    const clock = clockAt();
    const size = 'k0'.length + 10 + ENTRY_OVERHEAD_BYTES;
    const near = new NearCache({ maxBytes: size * 3, maxAge: 1000 }, clock.now);
    for (let i = 0; i < 10; i++) {
      expect(fetchInto(near, `k${i}`, reply('v'.repeat(10))).cached).toBe(true);
      expect(near.stats().bytes).toBeLessThanOrEqual(size * 3);
    }
    const s = near.stats();
    expect(s).toMatchObject({ entries: 3, bytes: size * 3, admitted: 10, evicted: 7 });
    // The three most recent stay.
    expect(['k7', 'k8', 'k9'].map((k) => near.fresh(k) !== undefined)).toEqual([true, true, true]);
    expect(near.fresh('k0')).toBeUndefined();
  });

  it('counts the UTF-8 bytes of the key', () => {
    const near = new NearCache({ maxBytes: 1 << 20, maxAge: 1000 }, clockAt().now);
    fetchInto(near, 'clé', reply('abc'));
    expect(near.stats().bytes).toBe(4 + 3 + ENTRY_OVERHEAD_BYTES);
  });

  it('evicts the least recently used entry; a hit moves an entry to the front (at most once per maxAge/4)', () => {
    const clock = clockAt();
    const one = 2 + 1 + ENTRY_OVERHEAD_BYTES;
    const near = new NearCache({ maxBytes: one * 3, maxAge: 1000 }, clock.now);
    for (const k of ['ka', 'kb', 'kc']) fetchInto(near, k, reply('x'));
    clock.t += 250; // past the bump interval (maxAge / 4)
    expect(near.fresh('ka')).toBeDefined(); // ka is now the most recent
    fetchInto(near, 'kd', reply('x')); // evicts kb, the least recently used
    expect(near.peek('kb')).toBeUndefined();
    expect(near.peek('ka')).toBeDefined();
    // A hit within the bump interval of the entry's last move does not reorder.
    clock.t += 10;
    expect(near.fresh('kc')).toBeDefined(); // kc was bumped when it was stored, 260 ms ago: moves
    expect(near.fresh('ka')).toBeDefined(); // ka moved 10 ms ago: stays where it is
    fetchInto(near, 'ke', reply('x')); // the order was kc, kd, ka: ka goes
    expect(near.peek('ka')).toBeUndefined();
    expect(['kc', 'kd', 'ke'].every((k) => near.peek(k) !== undefined)).toBe(true);
  });

  it('refuses an entry larger than maxBytes and keeps the others', () => {
    const near = new NearCache({ maxBytes: 300, maxAge: 1000 }, clockAt().now);
    fetchInto(near, 'small', reply('x'));
    expect(fetchInto(near, 'big', reply('x'.repeat(300))).cached).toBe(false);
    expect(near.peek('small')).toBeDefined();
  });
});

describe('near cache: the admission rule', () => {
  const cases: Array<[string, Partial<MetaValueReply>, boolean]> = [
    ['hit before, read this second', { hit: true, lastAccess: 0 }, true],
    [
      `hit before, read ${HOT_LAST_ACCESS_SECONDS} s ago`,
      { hit: true, lastAccess: HOT_LAST_ACCESS_SECONDS },
      true,
    ],
    ['never read before (h0)', { hit: false, lastAccess: 0 }, false],
    ['read before, but long ago', { hit: true, lastAccess: HOT_LAST_ACCESS_SECONDS + 1 }, false],
    ['no h/l flags (a server that does not return them)', { hit: undefined, lastAccess: undefined }, false],
    ['win token handed to us (W)', { win: true }, false],
    ['stale item (X)', { stale: true }, false],
    ['win token already out (Z)', { winSent: true }, false],
    ['no CAS', { cas: undefined }, false],
    ['TTL longer than maxAge + a clock tick', { ttl: 3 }, true],
    ['TTL that could end while served', { ttl: 2 }, false],
    ['TTL of 1 s', { ttl: 1 }, false],
  ];
  for (const [what, flags, admitted] of cases) {
    it(`${admitted ? 'admits' : 'refuses'}: ${what}`, () => {
      const near = new NearCache({ maxBytes: 1 << 20, maxAge: 1000 }, clockAt().now);
      expect(fetchInto(near, 'k', reply('v', flags)).cached).toBe(admitted);
      expect(near.peek('k') !== undefined).toBe(admitted);
    });
  }

  it('a refetch (the key was cached and its CAS changed) is admitted even when the new version is unread', () => {
    const near = new NearCache({ maxBytes: 1 << 20, maxAge: 1000 }, clockAt().now);
    const r = reply('v2', { hit: false, cas: 8n });
    const f = near.depart('k');
    expect(near.admit(near.entryOf('k', r, 'v2', near.now()), r, f, f.gen, true)).toBe(true);
    // …but never past the rest of the rule.
    const stale = reply('v3', { hit: false, stale: true });
    expect(near.admit(near.entryOf('k', stale, 'v3', near.now()), stale, f, f.gen, true)).toBe(false);
  });

  it('a write or flush of the key while its fetch was in flight keeps the fetched value out', () => {
    const near = new NearCache({ maxBytes: 1 << 20, maxAge: 1000 }, clockAt().now);
    for (const outdate of [() => near.invalidate('k'), () => near.clear()]) {
      const f = near.depart('k');
      const gen = f.gen;
      outdate();
      const r = reply('old');
      expect(near.admit(near.entryOf('k', r, 'old', near.now()), r, f, gen, false)).toBe(false);
      near.arrive('k', f, undefined);
      expect(near.peek('k')).toBeUndefined();
    }
    // A write of another key does not matter.
    const f = near.depart('k');
    near.invalidate('other');
    const r = reply('v');
    expect(near.admit(near.entryOf('k', r, 'v', near.now()), r, f, f.gen, false)).toBe(true);
  });
});

describe('near cache: staleness, revalidation, sharing', () => {
  it('an entry is fresh for exactly maxAge after its request was sent', () => {
    const clock = clockAt(5000);
    const near = new NearCache({ maxBytes: 1 << 20, maxAge: 1000 }, clock.now);
    const f = near.depart('k');
    const sent = clock.t;
    clock.t += 300; // the reply comes 300 ms later: the stamp is still the send time
    const r = reply('v');
    near.admit(near.entryOf('k', r, 'v', sent), r, f, f.gen, false);
    clock.t = sent + 999;
    expect(near.fresh('k')).toBeDefined();
    clock.t = sent + 1000;
    expect(near.fresh('k')).toBeUndefined();
    expect(near.peek('k')).toBeDefined(); // still there, to be revalidated
  });

  it('sets `due` once an entry is older than REFRESH_AHEAD × maxAge and nothing is in flight for it', () => {
    const clock = clockAt();
    const near = new NearCache({ maxBytes: 1 << 20, maxAge: 1000 }, clock.now);
    fetchInto(near, 'k', reply('v'));
    clock.t += 1000 * REFRESH_AHEAD - 1;
    near.fresh('k');
    expect(near.due).toBe(false);
    clock.t += 1;
    near.fresh('k');
    expect(near.due).toBe(true);
    const f = near.depart('k'); // a revalidation is on its way
    near.fresh('k');
    expect(near.due).toBe(false);
    near.arrive('k', f, undefined);
  });

  it('revalidation: the same CAS restamps with the revalidation send time; another CAS or a miss drops', () => {
    const clock = clockAt();
    const near = new NearCache({ maxBytes: 1 << 20, maxAge: 1000 }, clock.now);
    const { e } = fetchInto(near, 'k', reply('v', { cas: 7n }));
    clock.t += 1500;
    const check = (cas: bigint | undefined, ttl = -1) => {
      const f = near.depart('k');
      const sent = clock.t;
      clock.t += 50;
      const same = near.revalidated(e, cas, ttl, sent, f, f.gen);
      near.arrive('k', f, undefined);
      return { same, sent };
    };
    const { same, sent } = check(7n);
    expect(same).toBe(true);
    expect(e.stamp).toBe(sent);
    clock.t = sent + 999;
    expect(near.fresh('k')).toBe(e);
    clock.t += 1000;
    expect(check(7n, 1).same).toBe(true); // unchanged, but its TTL is running out: not kept
    expect(near.peek('k')).toBeUndefined();

    const other = fetchInto(near, 'k2', reply('v', { cas: 9n })).e;
    const f = near.depart('k2');
    expect(near.revalidated(other, 10n, -1, clock.t, f, f.gen)).toBe(false);
    expect(near.peek('k2')).toBeUndefined();
    const third = fetchInto(near, 'k3', reply('v')).e;
    expect(near.revalidated(third, undefined, undefined, clock.t, f, f.gen)).toBe(false);
    expect(near.peek('k3')).toBeUndefined();
  });

  it('a revalidation that a write, a flush or a closed connection overtook vouches for nothing: refetch', () => {
    const clock = clockAt();
    const near = new NearCache({ maxBytes: 1 << 20, maxAge: 1000 }, clock.now);
    for (const overtake of [
      () => near.invalidate('k'),
      () => near.clear(),
      () => near.dropServer('mc1:11211'), // memcached may have restarted: an equal CAS proves nothing
    ]) {
      const { e } = fetchInto(near, 'k', reply('v'));
      clock.t += 1500;
      const f = near.depart('k');
      const gen = f.gen;
      overtake();
      expect(near.revalidated(e, e.cas, -1, clock.t, f, gen)).toBe(false); // the caller refetches
      expect(near.peek('k')).toBeUndefined();
      near.arrive('k', f, undefined);
    }
    // a closed connection of another server leaves the key's revalidation alone
    const { e } = fetchInto(near, 'k', reply('v'));
    clock.t += 1500;
    const f = near.depart('k');
    near.dropServer('mc2:11211');
    expect(near.revalidated(e, e.cas, -1, clock.t, f, f.gen)).toBe(true);
    expect(near.peek('k')).toBe(e);
  });

  it('a request is joinable while it was sent less than maxAge ago, and not after a write', () => {
    const clock = clockAt();
    const near = new NearCache({ maxBytes: 1 << 20, maxAge: 1000 }, clock.now);
    const f = near.depart('k');
    const request = Promise.resolve<NearEntry | undefined>(undefined);
    near.share(f, request, clock.t);
    clock.t += 999;
    expect(near.joinable('k')).toBe(request);
    clock.t += 1;
    expect(near.joinable('k')).toBeUndefined();
    clock.t -= 500;
    near.invalidate('k');
    expect(near.joinable('k')).toBeUndefined();
    near.arrive('k', f, request);
    expect(near.stats().joined).toBe(1);
  });

  it('binary keys never share a slot with a text key of the same characters', () => {
    expect(slotOf('Zm9v', true)).not.toBe(slotOf('Zm9v', false));
  });

  it('objects are kept as bytes (decoded afresh per read), immutable values as they are', () => {
    const near = new NearCache({ maxBytes: 1 << 20, maxAge: 1000 }, clockAt().now);
    const bytes = reply('{"a":1}', { flags: 32 });
    const obj = fetchInto(near, 'o', bytes, { a: 1 }).e;
    expect(obj.value).toBeUndefined();
    expect(obj.bytes?.toString()).toBe('{"a":1}');
    bytes.value.fill(0); // the receive buffer is reused or changed: the entry has its own copy
    expect(obj.bytes?.toString()).toBe('{"a":1}');
    const str = fetchInto(near, 's', reply('text'), 'text').e;
    expect(str.value).toBe('text');
    expect(str.bytes).toBeUndefined();
  });
});

describe('near cache: what an entry counts', () => {
  it('a compressed text counts as its decoded length, not its compressed bytes', () => {
    const near = new NearCache({ maxBytes: 1 << 20, maxAge: 1000 }, clockAt().now);
    const text = 'a'.repeat(10_000);
    fetchInto(near, 'z', reply('compressed', { flags: 16 | 8 }), text);
    expect(near.stats().bytes).toBe(1 + 10_000 + ENTRY_OVERHEAD_BYTES);
  });
});
