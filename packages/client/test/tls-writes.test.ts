/**
 * TLS writes that memcached (before 1.6.39) cannot stall on. The rule of
 * tls-records.ts is checked against a model of how memcached 1.6 reads TLS
 * records (its 16 KiB read buffer, `SSL_read` of one record at a time, data
 * blocks read straight into the item): every write planned must leave
 * nothing inside OpenSSL once memcached is done with it, for random mixes of
 * command lines and data blocks. The Outbox is checked with a socket that
 * records each write: every byte goes out once, in order, whole commands
 * per write, and a request split between writes is finished first even if
 * it was aborted meanwhile.
 */
import type net from 'node:net';
import { type Chunk, encodeCas, encodeMetaSet, encodeStore } from '@memkit/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Outbox } from '../src/connection/outbox';
import { dataSize, planTlsWrite, TLS_RECORD_SIZE, TlsWriteEnds } from '../src/connection/tls-records';
import { Exchange } from '../src/exchanges/exchange';

const RBUF = 16384;

/** A command of a write: its header line's length and its data block's (-1: none). */
interface Cmd {
  line: number;
  data: number;
}

/**
 * memcached 1.6 reading ONE write of `cmds`, from an empty read buffer: true
 * when it gets through every command and ends with nothing left in OpenSSL;
 * false when it would wait for the socket with bytes still inside OpenSSL
 * and none left on the socket (the stall).
 */
function consumedWhole(cmds: readonly Cmd[]): boolean {
  const total = cmds.reduce((n, c) => n + c.line + (c.data < 0 ? 0 : c.data + 2), 0);
  const records: number[] = [];
  for (let at = 0; at < total; at += TLS_RECORD_SIZE) records.push(Math.min(TLS_RECORD_SIZE, total - at));
  let next = 0; // records not read from the socket yet start here
  let pending = 0; // plaintext of the last record read that OpenSSL still holds
  let got = 0; // stream bytes memcached has received
  const sslRead = (count: number): number => {
    if (pending === 0) {
      if (next === records.length) return 0;
      pending = records[next++]!;
    }
    const n = Math.min(count, pending);
    pending -= n;
    got += n;
    return n;
  };
  /** memcached has nothing to parse and waits for the socket: false when that is the stall. */
  const waitIsFine = () => next < records.length || pending === 0;
  let start = 0;
  for (const c of cmds) {
    const headerEnd = start + c.line;
    const end = headerEnd + (c.data < 0 ? 0 : c.data + 2);
    while (got < headerEnd) {
      if (!waitIsFine()) return false;
      // The read buffer holds what is left of this command: [start, got).
      if (sslRead(RBUF - (got - start)) === 0) throw new Error('the write ends inside a command');
    }
    // The rest of a data block is read straight into the item, exactly the bytes still due.
    while (got < end) if (sslRead(end - got) === 0) throw new Error('the write ends inside a data block');
    if (got === end && !waitIsFine()) return false;
    start = end;
  }
  return pending === 0 && next === records.length;
}

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ line: fc.integer({ min: 6, max: 300 }), data: fc.constant(-1) }),
  fc.record({ line: fc.integer({ min: 8, max: 300 }), data: fc.integer({ min: 0, max: 40_000 }) }),
  fc.record({ line: fc.integer({ min: 8, max: 60 }), data: fc.constantFrom(10_240, 16_384, 16_382, 100) }),
);

/** Requests made of `cmds`, with chunks as the encoders lay them out. */
class FakeRequest extends Exchange<void> {
  readonly command = 'test';
  constructor(chunks: Chunk[]) {
    super();
    this.chunks = chunks;
    this.promise.catch(() => {});
  }
  onReply(): boolean {
    return true;
  }
}

function chunksOf(c: Cmd, tag: number): Chunk[] {
  const line = `${String(tag).padEnd(Math.max(c.line - 2, 1), 'l')}\r\n`;
  if (c.data < 0) return [line];
  return [line, Buffer.alloc(c.data, tag & 0xff), '\r\n'];
}

/** The commands `planTlsWrite` put into successive writes of `requests`. */
function plannedWrites(requests: Cmd[][], budget: number): Cmd[][] {
  const items = requests.map((cmds, r) => new FakeRequest(cmds.flatMap((c, i) => chunksOf(c, r * 100 + i))));
  const writes: Cmd[][] = [];
  let head = 0;
  let part = 0;
  for (;;) {
    const cut = planTlsWrite(items, head, part, budget);
    if (!cut) break;
    const write: Cmd[] = [];
    for (let i = head; i <= cut.item; i++) {
      let j = i === head ? part : 0;
      const to = i === cut.item ? cut.chunk : items[i]!.chunks.length;
      // Map chunk positions back to commands of requests[i].
      let k = 0;
      for (let at = 0; at < j; k++) at += requests[i]![k]!.data < 0 ? 1 : 3;
      for (; j < to; k++) {
        const c = requests[i]![k]!;
        write.push(c);
        j += c.data < 0 ? 1 : 3;
      }
      expect(j).toBe(to);
    }
    writes.push(write);
    if (cut.chunk === items[cut.item]!.chunks.length) {
      head = cut.item + 1;
      part = 0;
    } else {
      head = cut.item;
      part = cut.chunk;
    }
  }
  return writes;
}

describe('TLS writes memcached cannot stall on', () => {
  it('the model stalls on what the 1.6.18 bug is about: a write whose last record a data block reads in part', () => {
    // Two 10 KB sets and a get: the second set's rest is read straight from the last record,
    // and OpenSSL keeps the get.
    const set = { line: 40, data: 10_240 };
    expect(consumedWhole([set, set, { line: 20, data: -1 }])).toBe(false);
    expect(consumedWhole([set, set, set])).toBe(false);
    expect(consumedWhole([set, set])).toBe(true);
    expect(consumedWhole([set])).toBe(true);
  });

  it('TlsWriteEnds agrees with the model after every command of random writes', () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { minLength: 1, maxLength: 40 }), (cmds) => {
        const ends = new TlsWriteEnds();
        let length = 0;
        cmds.forEach((c, i) => {
          const start = length;
          length += c.line;
          const data = length;
          if (c.data >= 0) length += c.data + 2;
          const safe = ends.add(start, data, length);
          // The rule may refuse a write that would have been fine, never accept one that stalls.
          if (safe) expect(consumedWhole(cmds.slice(0, i + 1)), `after command ${i}`).toBe(true);
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts most ends of a stream of 10 KB sets (the plan is not one command per write)', () => {
    const ends = new TlsWriteEnds();
    const safe: number[] = [];
    for (let i = 0; i < 20; i++)
      if (ends.add(i * 10_282, i * 10_282 + 40, (i + 1) * 10_282)) safe.push(i + 1);
    expect(safe.length).toBeGreaterThan(10);
  });

  it('planTlsWrite: every planned write is whole commands, stall-free, about the budget in size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(cmdArb, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 16_384, max: 300_000 }),
        (requests, budget) => {
          const writes = plannedWrites(requests, budget);
          expect(writes.flat()).toEqual(requests.flat());
          for (const w of writes) {
            if (w.length > 1) {
              expect(consumedWhole(w)).toBe(true);
              const size = w.slice(0, -1).reduce((n, c) => n + c.line + (c.data < 0 ? 0 : c.data + 2), 0);
              expect(size).toBeLessThan(budget);
            } else if (w[0]!.data >= 0 || w[0]!.line <= RBUF) {
              // One command alone is always safe when it fits or carries a data block.
              expect(consumedWhole(w)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** A socket that records the writes Node would make: corked writes leave as one. */
class RecordingSocket {
  writableHighWaterMark = 16 * 1024;
  writableLength = 0;
  readonly writes: Buffer[] = [];
  private corks = 0;
  private batch: Buffer[] = [];
  private callbacks: Array<() => void> = [];
  cork(): void {
    this.corks++;
  }
  uncork(): void {
    if (--this.corks === 0) this.flushBatch();
  }
  write(chunk: Chunk, cb?: () => void): boolean {
    this.batch.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
    if (cb) this.callbacks.push(cb);
    if (this.corks === 0) this.flushBatch();
    return true;
  }
  private flushBatch(): void {
    this.writes.push(Buffer.concat(this.batch));
    this.batch = [];
  }
  /** Completes the writes handed over so far (Node calls back later, not synchronously). */
  complete(): void {
    const cbs = this.callbacks;
    this.callbacks = [];
    for (const cb of cbs) cb();
  }
}

describe('Outbox.writeTls', () => {
  const bytesOf = (reqs: FakeRequest[]) =>
    Buffer.concat(reqs.flatMap((r) => r.chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))));

  it('writes every byte once, in order, one planned write per call, each completed before the next', () => {
    const set = (i: number): Chunk[] => [`ms k${i} 10240 T0\r\n`, Buffer.alloc(10_240, i), '\r\n'];
    const reqs = [
      new FakeRequest([...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].flatMap(set), 'mn\r\n']),
      new FakeRequest(['mg a v\r\n']),
      new FakeRequest(set(13)),
    ];
    const outbox = new Outbox();
    for (const r of reqs) outbox.push(r);
    const socket = new RecordingSocket();
    const written: FakeRequest[] = [];
    let done = 0;
    let more = true;
    let calls = 0;
    while (more) {
      more = outbox.writeTls(
        socket as unknown as net.Socket,
        (r) => written.push(r as FakeRequest),
        () => done++,
      );
      calls++;
      expect(socket.writes).toHaveLength(calls);
      socket.complete();
      expect(done).toBe(calls);
    }
    expect(Buffer.concat(socket.writes).equals(bytesOf(reqs))).toBe(true);
    expect(written).toEqual(reqs);
    expect(calls).toBeGreaterThan(1);
    expect(outbox.hasWork).toBe(false);
  });

  it('finishes a request split between writes even when it settles (abort) meanwhile', () => {
    const set = (i: number): Chunk[] => [`ms k${i} 30000\r\n`, Buffer.alloc(30_000, i), '\r\n'];
    const big = new FakeRequest([...[1, 2, 3, 4, 5, 6].flatMap(set), 'mn\r\n']);
    const skipped = new FakeRequest(['mg never\r\n']);
    const last = new FakeRequest(['mg z\r\n']);
    const outbox = new Outbox();
    outbox.push(big);
    outbox.push(skipped);
    outbox.push(last);
    const socket = new RecordingSocket();
    socket.writableHighWaterMark = 1; // the smallest plan: 64 KiB
    expect(
      outbox.writeTls(
        socket as unknown as net.Socket,
        () => {},
        () => {},
      ),
    ).toBe(true);
    expect(big.written).toBe(true);
    expect(socket.writes[0]!.length).toBeLessThan(100_000);
    // The caller gives up on both; the server is in the middle of `big`, so its rest still goes.
    big.reject(new Error('aborted'));
    skipped.reject(new Error('aborted'));
    outbox.noteSettled();
    expect(outbox.sweep(performance.now(), () => {})).toBe(Number.POSITIVE_INFINITY);
    while (outbox.hasWork)
      outbox.writeTls(
        socket as unknown as net.Socket,
        () => {},
        () => {},
      );
    expect(Buffer.concat(socket.writes).equals(bytesOf([big, last]))).toBe(true);
    expect(skipped.written).toBe(false);
  });
});

describe('dataSize: the size of a text data block, read from its header', () => {
  it('equals the UTF-8 length for every storage encoder and any text', () => {
    const textArb = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', ' ', '\r', '\n', '9'), maxLength: 300 }),
    );
    const keyArb = fc.string({ unit: fc.constantFrom('k', '1', '2', 'é', '-'), minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(textArb, keyArb, fc.nat(), fc.boolean(), (text, key, n, quiet) => {
        const expected = Buffer.byteLength(text, 'utf8');
        const encoded = [
          encodeMetaSet(key, text, {
            flags: n % 100,
            ttl: n % 7,
            quiet,
            opaque: String(n + 1),
            cas: quiet ? 5n : undefined,
          }),
          encodeMetaSet(key, text, { base64: quiet, mode: 'E' }),
          encodeStore('set', key, text, n % 100, n % 7, quiet),
          encodeStore('append', key, text, 0, 0),
          encodeCas(key, text, n, 0, BigInt(n), quiet),
        ];
        for (const [header, data] of encoded) expect(dataSize(header as string, data!)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('measures the text when the header does not say', () => {
    expect(dataSize('weird line\r\n', 'héllo')).toBe(6);
    expect(dataSize('ms k 99 T0\r\n', 'héllo')).toBe(6);
    expect(dataSize('ms k\r\n', 'abc')).toBe(3);
    expect(dataSize('ms k 3', Buffer.from('abcd'))).toBe(4);
  });
});
