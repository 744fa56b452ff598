/**
 * Raw commands: `encodeRawCommand` lets exactly one command through (table
 * and property tests), and `LineDecoder` reads unknown replies line by line,
 * whole, split at every byte boundary or byte by byte, and never throws
 * anything but a protocol error on garbage.
 */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRawCommand, MAX_RAW_LINE_LENGTH, rawCommandTokens } from '../src/encode-raw';
import { isMemkitError } from '../src/errors';
import { LineDecoder } from '../src/line-decoder';
import type { Reply } from '../src/replies';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isMemkitError(err) ? err.code : String(err);
  }
  return undefined;
}

describe('encodeRawCommand', () => {
  it('sends one line, and a data block only where the line announces its exact length', () => {
    expect(encodeRawCommand('lru_crawler crawl all')).toEqual(['lru_crawler crawl all\r\n']);
    expect(encodeRawCommand('stats  detail   dump')).toEqual(['stats  detail   dump\r\n']);
    expect(encodeRawCommand('set k 0 0 5', 'hello')).toEqual([
      'set k 0 0 5\r\n',
      Buffer.from('hello'),
      '\r\n',
    ]);
    const bytes = Buffer.from([0, 13, 10, 255]);
    expect(encodeRawCommand('ms k 4 T10', bytes)).toEqual(['ms k 4 T10\r\n', bytes, '\r\n']);
    expect(encodeRawCommand('cas k 0 0 2 77', 'é')).toEqual(['cas k 0 0 2 77\r\n', Buffer.from('é'), '\r\n']);
  });

  it('refuses anything that is not exactly one command', () => {
    const bad: Array<() => unknown> = [
      () => encodeRawCommand(''),
      () => encodeRawCommand('   '),
      () => encodeRawCommand('version\r\nflush_all'),
      () => encodeRawCommand('version\nflush_all'),
      () => encodeRawCommand('version\r'),
      () => encodeRawCommand('stats\0items'),
      () => encodeRawCommand('stats\titems'),
      () => encodeRawCommand(`stats ${'x'.repeat(MAX_RAW_LINE_LENGTH)}`),
      () => encodeRawCommand(42 as unknown as string),
      // A data block nobody announced would be read as the next command.
      () => encodeRawCommand('version', 'flush_all'),
      () => encodeRawCommand('constructor', 'x'),
      // An announced block that is missing, or of another length, desyncs the server.
      () => encodeRawCommand('set k 0 0 5'),
      () => encodeRawCommand('set k 0 0 3', 'hello\r\nflush_all'),
      () => encodeRawCommand('set k 0 0 05', 'hello'),
      () => encodeRawCommand('ms k', 'x'),
      // No reply would ever come.
      () => encodeRawCommand('flush_all noreply'),
      () => encodeRawCommand('set k 0 0 1 noreply', 'x'),
      () => encodeRawCommand('mn q'),
      () => encodeRawCommand('ms k 1 q', 'x'),
    ];
    for (const fn of bad) expect(codeOf(fn), String(fn)).toBe('ERR_INVALID_ARGUMENT');
  });

  it('property: whatever it accepts is one CRLF-free line, plus exactly the announced bytes', () => {
    const lineArb = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc
        .array(
          fc.constantFrom('set', 'ms', 'k', '0', '5', '3', 'q', 'noreply', ' ', '\r', '\n', 'stats', 'x'),
          {
            maxLength: 8,
          },
        )
        .map((parts) => parts.join(' ')),
    );
    const dataArb = fc.option(fc.oneof(fc.string({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 })), {
      nil: undefined,
    });
    let accepted = 0;
    fc.assert(
      fc.property(lineArb, dataArb, (line, data) => {
        let out: ReturnType<typeof encodeRawCommand>;
        try {
          out = encodeRawCommand(line, data);
        } catch (err) {
          expect(isMemkitError(err, 'ERR_INVALID_ARGUMENT')).toBe(true);
          return;
        }
        accepted++;
        const first = out[0] as string;
        expect(first.endsWith('\r\n')).toBe(true);
        expect(first.slice(0, -2)).not.toMatch(/[\x00-\x1f\x7f]/);
        const tokens = rawCommandTokens(first.slice(0, -2));
        if (data === undefined) {
          expect(out).toHaveLength(1);
        } else {
          const bytes = out[1] as Uint8Array;
          expect(out).toEqual([first, bytes, '\r\n']);
          expect(tokens).toContain(String(bytes.byteLength));
        }
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(50);
  });
});

/** Replies of a dump, a stats listing, an error and lines ending in LF alone. */
const STREAM = Buffer.concat([
  Buffer.from(
    'key=a%20b exp=-1 la=1 cas=2 fetch=no cls=1 size=63\nkey=c exp=5 la=1 cas=3 fetch=no cls=1 size=63\n',
  ),
  Buffer.from('END\r\nPREFIX p get 1 hit 1 set 0 del 0\r\nOK\r\nÄnderung ✓\r\n\r\n'),
  Buffer.from('CLIENT_ERROR bad command line format\r\nERROR\r\nERROR Too many open connections\r\n'),
  Buffer.from('SERVER_ERROR out of memory\r\nBUSY currently processing crawler request\r\n'),
]);
const EXPECTED: Reply[] = [
  { type: 'LINE', line: 'key=a%20b exp=-1 la=1 cas=2 fetch=no cls=1 size=63' },
  { type: 'LINE', line: 'key=c exp=5 la=1 cas=3 fetch=no cls=1 size=63' },
  { type: 'LINE', line: 'END' },
  { type: 'LINE', line: 'PREFIX p get 1 hit 1 set 0 del 0' },
  { type: 'LINE', line: 'OK' },
  { type: 'LINE', line: 'Änderung ✓' },
  { type: 'LINE', line: '' },
  { type: 'CLIENT_ERROR', message: 'bad command line format' },
  { type: 'ERROR' },
  { type: 'ERROR', message: 'Too many open connections' },
  { type: 'SERVER_ERROR', message: 'out of memory' },
  { type: 'SERVER_ERROR', message: 'BUSY currently processing crawler request' },
];

function decode(chunks: Buffer[], limits?: { maxLineLength?: number }): Reply[] {
  const d = new LineDecoder(limits);
  const out: Reply[] = [];
  for (const c of chunks) d.feed(c, (r) => out.push(r));
  return out;
}

describe('LineDecoder', () => {
  it('reads lines, and error lines as the error replies', () => {
    expect(decode([STREAM])).toStrictEqual(EXPECTED);
  });

  it(`gives the same replies split at every one of ${STREAM.length - 1} boundaries, and byte by byte`, () => {
    for (let i = 1; i < STREAM.length; i++) {
      expect(decode([STREAM.subarray(0, i), STREAM.subarray(i)])).toStrictEqual(EXPECTED);
    }
    expect(decode([...STREAM].map((b) => Buffer.from([b])))).toStrictEqual(EXPECTED);
  });

  it('does not keep a reference to chunks the caller may reuse', () => {
    const chunk = Buffer.from('par');
    const d = new LineDecoder();
    const out: Reply[] = [];
    d.feed(chunk, (r) => out.push(r));
    chunk.fill(0x78);
    d.feed(Buffer.from('tial\r\n'), (r) => out.push(r));
    expect(out).toStrictEqual([{ type: 'LINE', line: 'partial' }]);
  });

  it('bounds line length, counting an unterminated line as it grows, and stays poisoned', () => {
    const d = new LineDecoder({ maxLineLength: 8 });
    const out: Reply[] = [];
    d.feed(Buffer.from('12345678\r\n1234'), (r) => out.push(r));
    expect(out).toStrictEqual([{ type: 'LINE', line: '12345678' }]);
    expect(codeOf(() => d.feed(Buffer.from('56789'), () => undefined))).toBe('ERR_PROTOCOL');
    expect(codeOf(() => d.feed(Buffer.from('\r\n'), () => undefined))).toBe('ERR_PROTOCOL');
    // A CR waiting for its LF at the limit is not yet too long.
    expect(decode([Buffer.from('12345678\r'), Buffer.from('\n')], { maxLineLength: 8 })).toStrictEqual([
      { type: 'LINE', line: '12345678' },
    ]);
    expect(codeOf(() => new LineDecoder({ maxLineLength: 0 }))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('property: random bytes in random chunks give lines or a protocol error, nothing else', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 10 }), (chunks) => {
        try {
          const replies = decode(
            chunks.map((c) => Buffer.from(c)),
            { maxLineLength: 32 },
          );
          for (const r of replies)
            expect(['LINE', 'ERROR', 'CLIENT_ERROR', 'SERVER_ERROR']).toContain(r.type);
        } catch (err) {
          expect(isMemkitError(err, 'ERR_PROTOCOL')).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
