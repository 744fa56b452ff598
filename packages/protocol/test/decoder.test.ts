import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ReplyDecoder } from '../src/decoder';
import { isMemkitError, MemkitError, ProtocolError } from '../src/errors';
import type { Reply, ValueView } from '../src/replies';
import { FIXTURES } from './helpers/fixtures';
import { feedWithViews } from './helpers/views';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function decodeAll(bytes: Buffer, decoder = new ReplyDecoder()): Reply[] {
  return decoder.push(bytes);
}

function protocolErrorOf(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    expect(isMemkitError(err, 'ERR_PROTOCOL')).toBe(true);
    return err as ProtocolError;
  }
  throw new Error('expected a ProtocolError, nothing was thrown');
}

describe('ReplyDecoder: every reply type', () => {
  for (const f of FIXTURES) {
    it(f.name, () => {
      expect(decodeAll(f.bytes)).toStrictEqual(f.replies);
    });
  }

  it('feed() calls back in order and push() returns the same replies', () => {
    const f = FIXTURES[2]!;
    const seen: Reply[] = [];
    new ReplyDecoder().feed(f.bytes, (r) => seen.push(r));
    expect(seen).toStrictEqual(f.replies);
  });

  it('accepts a plain Uint8Array chunk', () => {
    const bytes = b('VALUE k 0 2\r\nhi\r\nEND\r\n');
    const u8 = new Uint8Array(bytes.length);
    u8.set(bytes);
    expect(new ReplyDecoder().push(u8)).toStrictEqual([
      { type: 'VALUE', key: 'k', flags: 0, value: b('hi') },
      { type: 'END' },
    ]);
  });
});

describe('ReplyDecoder: zero-copy and buffering', () => {
  it('returns a view of the chunk when the block is inside it', () => {
    const chunk = b('VALUE k 0 5\r\nhello\r\nEND\r\n');
    const [value] = new ReplyDecoder().push(chunk);
    if (value?.type !== 'VALUE') throw new Error('expected VALUE');
    expect(value.value.buffer).toBe(chunk.buffer);
    expect(value.value.byteOffset).toBe(chunk.byteOffset + 13);
  });

  it('copies a block that spans chunks into a buffer of its own', () => {
    const d = new ReplyDecoder();
    const first = b('VALUE k 0 10\r\n01234');
    const second = b('56789\r\nEND\r\n');
    expect(d.push(first)).toStrictEqual([]);
    expect(d.bufferedBytes).toBe(5);
    const replies = d.push(second);
    expect(replies).toStrictEqual([
      { type: 'VALUE', key: 'k', flags: 0, value: b('0123456789') },
      { type: 'END' },
    ]);
    // A block assembled from several chunks is a copy, aliasing none of them.
    first.fill(0);
    second.fill(0);
    expect((replies[0] as { value: Buffer }).value).toStrictEqual(b('0123456789'));
    expect(d.bufferedBytes).toBe(0);
  });

  it('keeps a view when only the CRLF after the block is missing', () => {
    const d = new ReplyDecoder();
    const first = b('VA 3\r\nabc\r');
    expect(d.push(first)).toStrictEqual([]);
    expect(d.bufferedBytes).toBe(4);
    const [va] = d.push(b('\n'));
    expect((va as { value: Buffer }).value.buffer).toBe(first.buffer);
  });

  it('counts a partial line in bufferedBytes and drops it on reset()', () => {
    const d = new ReplyDecoder();
    d.push(b('VALUE k 0'));
    expect(d.bufferedBytes).toBe(9);
    d.reset();
    expect(d.bufferedBytes).toBe(0);
    expect(d.push(b('END\r\n'))).toStrictEqual([{ type: 'END' }]);
  });
});

describe('ReplyDecoder: onValue views', () => {
  it('reports in-chunk VALUE replies as views of the chunk, in order with the others', () => {
    const chunk = b('VALUE k1 16 5 9\r\nhello\r\nVALUE k2 0 0\r\n\r\nEND\r\n');
    const order: string[] = [];
    const seen: Array<Omit<ValueView, 'buf'> & { same: boolean; data: string; key: string }> = [];
    new ReplyDecoder().feed(
      chunk,
      (r) => order.push(r.type),
      (v) => {
        order.push(`view ${v.buf.toString('latin1', v.keyStart, v.keyEnd)}`);
        seen.push({
          ...v,
          same: v.buf === chunk,
          key: v.buf.toString('latin1', v.keyStart, v.keyEnd),
          data: v.buf.toString('latin1', v.start, v.end),
        });
      },
    );
    expect(order).toStrictEqual(['view k1', 'view k2', 'END']);
    expect(seen.map(({ same, key, data, flags, cas }) => ({ same, key, data, flags, cas }))).toStrictEqual([
      { same: true, key: 'k1', data: 'hello', flags: 16, cas: 9n },
      { same: true, key: 'k2', data: '', flags: 0, cas: undefined },
    ]);
  });

  it('hands a VALUE that spans chunks to onReply as a ValueReply, and releases the chunk after a view', () => {
    const d = new ReplyDecoder();
    const replies: Reply[] = [];
    let view: ValueView | undefined;
    const onValue = (v: ValueView): void => {
      view = v;
    };
    d.feed(b('VALUE a 0 1\r\nx\r\nVALUE b 3 4\r\nab'), (r) => replies.push(r), onValue);
    expect(view?.buf.length).toBe(0);
    d.feed(b('cd\r\nEND\r\n'), (r) => replies.push(r), onValue);
    expect(replies).toStrictEqual([{ type: 'VALUE', key: 'b', flags: 3, value: b('abcd') }, { type: 'END' }]);
  });

  it('is poisoned when the onValue handler throws', () => {
    const d = new ReplyDecoder();
    const boom = new Error('handler bug');
    expect(() =>
      d.feed(
        b('VALUE a 0 1\r\nx\r\nEND\r\n'),
        () => {},
        () => {
          throw boom;
        },
      ),
    ).toThrow(boom);
    expect(protocolErrorOf(() => d.push(b('END\r\n'))).cause).toBe(boom);
  });
});

describe('ReplyDecoder: protocol errors', () => {
  const bad: Array<[string, string]> = [
    ['unknown reply word', 'HELLO\r\n'],
    ['empty line', '\r\n'],
    ['lowercase status', 'end\r\n'],
    ['status word with trailing text', 'END x\r\n'],
    ['bare LF', 'END\n'],
    ['VALUE without size', 'VALUE k 0\r\n'],
    ['VALUE with non-digit size', 'VALUE k 0 1x\r\nabc\r\n'],
    ['VALUE with negative size', 'VALUE k 0 -1\r\n'],
    ['VALUE with flags over u32', 'VALUE k 4294967296 1\r\na\r\n'],
    ['VALUE with malformed cas', 'VALUE k 0 1 12a\r\na\r\n'],
    ['VALUE with cas over u64', 'VALUE k 0 1 18446744073709551616\r\na\r\n'],
    ['VALUE with empty key', 'VALUE  0 1\r\na\r\n'],
    ['data block not followed by CRLF', 'VALUE k 0 3\r\nabcdEND\r\n'],
    ['data block followed by LF only', 'VA 1\r\na\nEND\r\n'],
    ['VA without size', 'VA\r\n'],
    ['VA with non-digit size', 'VA x\r\n'],
    ['malformed meta c', 'HD cx\r\n'],
    ['empty meta f', 'HD f\r\n'],
    ['meta f over u32', 'HD f4294967296\r\n'],
    ['malformed meta t', 'HD t--1\r\n'],
    ['malformed meta h', 'HD h2\r\n'],
    ['malformed meta s', 'VA 1 s-1\r\na\r\n'],
    ['malformed meta l', 'HD l1.5\r\n'],
    ['number with garbage', '12ab\r\n'],
    ['number over u64', '18446744073709551616\r\n'],
    ['malformed metadump escape', 'key=%zz exp=1\n'],
    ['ME without key', 'ME\r\n'],
    ['CONFIG without fields', 'CONFIG\r\n'],
    ['CONFIG without size', 'CONFIG cluster 0\r\n'],
    ['CONFIG with a fourth field', 'CONFIG cluster 0 1 2\r\na\r\n'],
    ['CONFIG with non-digit size', 'CONFIG cluster 0 x\r\n'],
    ['CONFIG block of the wrong length', 'CONFIG cluster 0 3\r\n1\na|b|1\n\r\nEND\r\n'],
  ];
  for (const [name, bytes] of bad) {
    it(name, () => {
      protocolErrorOf(() => new ReplyDecoder().push(b(bytes)));
      protocolErrorOf(() => feedWithViews(new ReplyDecoder(), b(bytes), []));
    });
  }

  it('rejects a line longer than maxLineLength before it ends', () => {
    const d = new ReplyDecoder({ maxLineLength: 16 });
    expect(d.push(b('STAT a 0123456'))).toStrictEqual([]);
    protocolErrorOf(() => d.push(b('789ABCDEF')));
  });

  it('accepts a line of exactly maxLineLength, split or not', () => {
    const line = b('STAT name 012345\r\n'); // 16 bytes + CRLF
    expect(new ReplyDecoder({ maxLineLength: 16 }).push(line)).toHaveLength(1);
    const d = new ReplyDecoder({ maxLineLength: 16 });
    d.push(line.subarray(0, 17));
    expect(d.push(line.subarray(17))).toStrictEqual([{ type: 'STAT', name: 'name', value: '012345' }]);
    protocolErrorOf(() => new ReplyDecoder({ maxLineLength: 15 }).push(line));
  });

  it('rejects a huge line in one chunk without scanning all of it', () => {
    const d = new ReplyDecoder();
    protocolErrorOf(() => d.push(Buffer.alloc(1 << 20, 0x41)));
  });

  it('rejects a size over maxValueLength before allocating', () => {
    const d = new ReplyDecoder({ maxValueLength: 1024 });
    const err = protocolErrorOf(() => d.push(b('VALUE k 0 1025\r\n')));
    expect(err.message).toContain('maxValueLength');
    expect(new ReplyDecoder().push(b('VA 134217728\r\n'))).toStrictEqual([]);
    protocolErrorOf(() => new ReplyDecoder().push(b('VA 134217729\r\n')));
    protocolErrorOf(() => new ReplyDecoder().push(b('VA 99999999999999999999\r\n')));
  });

  it('rejects invalid limits with ERR_INVALID_ARGUMENT', () => {
    expect(() => new ReplyDecoder({ maxLineLength: 0 })).toThrow(MemkitError);
    expect(() => new ReplyDecoder({ maxValueLength: 1.5 })).toThrow(/maxValueLength/);
  });

  it('is poisoned after an error: every later feed throws the same error', () => {
    const d = new ReplyDecoder();
    const err = protocolErrorOf(() => d.push(b('END\r\nBOGUS\r\n')));
    expect(() => d.push(b('END\r\n'))).toThrow(err);
    expect(() => d.feed(b('END\r\n'), () => {})).toThrow(err);
    d.reset();
    expect(d.push(b('END\r\n'))).toStrictEqual([{ type: 'END' }]);
  });

  it('is poisoned when the reply handler throws', () => {
    const d = new ReplyDecoder();
    const boom = new Error('handler bug');
    expect(() =>
      d.feed(b('END\r\nEND\r\n'), () => {
        throw boom;
      }),
    ).toThrow(boom);
    const err = protocolErrorOf(() => d.push(b('END\r\n')));
    expect(err.cause).toBe(boom);
  });

  it('never echoes control characters of a bad line raw', () => {
    const err = protocolErrorOf(() => new ReplyDecoder().push(b('\x1b[31mEVIL\x07\r\n')));
    expect(err.message).not.toMatch(/[\x00-\x1f\x7f]/);
    expect(err.message).toContain('\\u001b');
  });
});
