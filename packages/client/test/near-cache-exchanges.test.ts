/**
 * The near cache's meta exchanges on their own, fed server bytes through the
 * real decoder: the CAS-only revalidation (`mg <key> c t`) and the quiet
 * multi-key fetch, whose hits must reach the sink with their own index and
 * bytes however the replies are split into chunks (property test), whose end
 * is told exactly once, and which keeps the stream in step on errors.
 */
import { encodeBase64Key, type MetaValueReply, ProtocolError, ReplyDecoder } from '@memkit/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { metaNear } from '../src/dialect/meta-near';
import type { Exchange } from '../src/exchanges/exchange';
import type { NearHitSink } from '../src/exchanges/meta-near';
import { deliverReply } from '../src/exchanges/reply-route';
import type { WireKey } from '../src/keys';

const key: WireKey = { wire: 'k', base64: false, route: 'k' };

/** The opaque token written on the exchange's first (or only) line. */
function opaqueOf(ex: Exchange): string {
  return /O(\d+)/.exec(String(ex.chunks[0]))![1]!;
}

/** Feeds `bytes` to `ex` in the given chunks, as a connection does; the DONE/MORE of each reply. */
function deliver(ex: Exchange, chunks: Buffer[]): boolean[] {
  const decoder = new ReplyDecoder();
  const done: boolean[] = [];
  for (const c of chunks) decoder.feed(c, (r) => done.push(deliverReply(ex, r, 'mc:11211')));
  return done;
}

describe('revalidation: mg <key> c t', () => {
  it('writes the CAS-only line and reads HD c t; EN is a miss', async () => {
    const hit = metaNear.check(key);
    expect(String(hit.chunks[0])).toBe(`mg k c t O${opaqueOf(hit)}\r\n`);
    expect(deliver(hit, [Buffer.from(`HD c42 t-1 O${opaqueOf(hit)}\r\n`)])).toEqual([true]);
    expect(await hit.promise).toMatchObject({ cas: 42n, ttl: -1 });

    const miss = metaNear.check({ wire: encodeBase64Key(Buffer.from([0, 1])), base64: true, route: 'x' });
    expect(String(miss.chunks[0])).toMatch(/^mg AAE= b c t O\d+\r\n$/);
    deliver(miss, [Buffer.from(`EN O${opaqueOf(miss)}\r\n`)]);
    expect(await miss.promise).toBeUndefined();
  });

  it('a value, a reply without CAS or with another opaque is a protocol error', () => {
    const cases = (o: string) => [`VA 1 c1 O${o}\r\nx\r\n`, `HD t5 O${o}\r\n`, `HD c1 O${Number(o) + 1}\r\n`];
    for (let i = 0; i < 3; i++) {
      const ex = metaNear.check(key);
      expect(() => deliver(ex, [Buffer.from(cases(opaqueOf(ex))[i]!)])).toThrow(ProtocolError);
    }
  });

  it('fetch asks for everything the admission rule reads', () => {
    const ex = metaNear.fetch(key);
    expect(String(ex.chunks[0])).toBe(`mg k v f c t h l O${opaqueOf(ex)}\r\n`);
  });
});

/** A sink recording its hits (index → value bytes) and its end calls. */
function recorder() {
  const hits: Array<[number, string]> = [];
  let ends = 0;
  const sink: NearHitSink = {
    hit(i, r: MetaValueReply) {
      hits.push([i, r.value.toString('latin1')]);
    },
    end() {
      ends++;
    },
  };
  return { sink, hits, ends: () => ends };
}

/** Splits `bytes` at the given cut points (sorted, deduplicated, inside the buffer). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  out.push(bytes.subarray(from));
  return out;
}

describe('near-cache multi-key fetch: quiet mg … v f c t h l q, then mn', () => {
  it('hands every hit to the sink with its index, whatever the chunking (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (values, cuts) => {
          const wires = values.map((_, i) => `key${i}`);
          const out = new Map<string, unknown>();
          const rec = recorder();
          const ex = metaNear.fetchMany('getMulti', wires, undefined, out, rec.sink);
          const base = Number(/O(\d+)/.exec(String(ex.chunks[0]))![1]);
          const lines = String(ex.chunks.join('')).split('\r\n').filter(Boolean);
          expect(lines).toHaveLength(wires.length + 1);
          expect(lines[0]).toBe(`mg key0 v f c t h l O${base} q`);
          expect(lines.at(-1)).toBe('mn');
          const parts: Buffer[] = [];
          values.forEach((v, i) => {
            if (v === undefined) return; // quiet mode: a miss sends nothing
            parts.push(
              Buffer.from(`VA ${v.length} f0 c${i + 1} t-1 h1 l0 O${base + i}\r\n`),
              Buffer.from(v),
              Buffer.from('\r\n'),
            );
          });
          parts.push(Buffer.from('MN\r\n'));
          const done = deliver(ex, split(Buffer.concat(parts), cuts));
          expect(done.at(-1)).toBe(true);
          expect(done.slice(0, -1).every((d) => d === false)).toBe(true);
          expect(await ex.promise).toBe(out);
          const expected = values.flatMap((v, i) =>
            v === undefined ? [] : [[i, Buffer.from(v).toString('latin1')]],
          );
          expect(rec.hits).toEqual(expected);
          expect(rec.ends()).toBe(1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('an error reply is read to MN, then fails the call; the end is told once', async () => {
    const rec = recorder();
    const ex = metaNear.fetchMany('getMulti', ['a', 'b'], undefined, new Map(), rec.sink);
    expect(deliver(ex, [Buffer.from('SERVER_ERROR out of memory\r\n')])).toEqual([false]);
    expect(rec.ends()).toBe(0);
    expect(deliver(ex, [Buffer.from('MN\r\n')])).toEqual([true]);
    await expect(ex.promise).rejects.toMatchObject({ code: 'ERR_SERVER' });
    expect(rec.ends()).toBe(1);
    ex.reject(new Error('late'));
    expect(rec.ends()).toBe(1);
  });

  it('a value the sink cannot decode fails the call after MN, with the stream in step', async () => {
    const ex = metaNear.fetchMany('getMulti', ['a'], undefined, new Map(), {
      hit() {
        throw new Error('cannot decode');
      },
      end() {},
    });
    const o = /O(\d+)/.exec(String(ex.chunks[0]))![1];
    expect(deliver(ex, [Buffer.from(`VA 1 c1 O${o}\r\nx\r\nMN\r\n`)])).toEqual([false, true]);
    await expect(ex.promise).rejects.toThrow('cannot decode');
  });

  it('a reply for a key it did not ask for is a protocol error', () => {
    const ex = metaNear.fetchMany('getMulti', ['a'], undefined, new Map(), recorder().sink);
    const o = Number(/O(\d+)/.exec(String(ex.chunks[0]))![1]);
    expect(() => deliver(ex, [Buffer.from(`VA 1 c1 O${o + 1}\r\nx\r\n`)])).toThrow(ProtocolError);
  });

  it('a connection lost mid-batch rejects it and tells the end once', async () => {
    const rec = recorder();
    const ex = metaNear.fetchMany('getMulti', ['a'], [true], new Map(), rec.sink);
    expect(String(ex.chunks[0])).toMatch(/^mg a b v f c t h l O\d+ q\r\n/);
    ex.reject(new Error('connection closed'));
    await expect(ex.promise).rejects.toThrow('connection closed');
    expect(rec.ends()).toBe(1);
  });
});
