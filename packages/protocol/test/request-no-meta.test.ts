/**
 * The request decoder with `meta: false`: it parses like a server without
 * the meta protocol, so every meta command is an unknown command (`ERROR`),
 * an `ms` data block is read as the next command line, and text commands are
 * decoded exactly as with meta on. Whole, at every byte boundary, and for
 * random pipelines (fast-check).
 */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Request, RequestDecoder } from '../src/index';

type Plain = Record<string, unknown>;

function plain(req: Request): Plain {
  if ('value' in req) return { ...req, value: req.value.toString('latin1') };
  return { ...req };
}

function decode(chunks: Uint8Array[], meta: boolean): Plain[] {
  const decoder = new RequestDecoder({ maxValueLength: 64, meta });
  const out: Plain[] = [];
  for (const chunk of chunks) decoder.feed(chunk, (req) => out.push(plain(req)));
  return out;
}

const UNKNOWN = { type: 'bad', message: 'ERROR', noreply: false };

describe('RequestDecoder { meta: false }', () => {
  it('answers every meta command as an unknown command and reads an ms data block as a command line', () => {
    const bytes = Buffer.from(
      'mn\r\nmg foo v\r\nms foo 2 T0\r\nhi\r\nmd foo q\r\nma n\r\nme foo\r\n',
      'latin1',
    );
    expect(decode([bytes], false)).toEqual([UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN]);
    // With meta on, the same bytes are six meta requests (the data block belongs to ms).
    expect(decode([bytes], true).map((r) => r.type)).toEqual(['mn', 'mg', 'ms', 'md', 'ma', 'me']);
  });

  it('decodes the same at every byte boundary and byte by byte', () => {
    const bytes = Buffer.from('mn\r\nset a 0 0 2\r\nms\r\nms a 2\r\nmg\r\nget a\r\nmn\r\n', 'latin1');
    const whole = decode([bytes], false);
    expect(whole).toEqual([
      UNKNOWN,
      expect.objectContaining({ type: 'storage', command: 'set', key: 'a', value: 'ms' }),
      UNKNOWN,
      UNKNOWN,
      expect.objectContaining({ type: 'retrieval', keys: ['a'] }),
      UNKNOWN,
    ]);
    for (let i = 1; i < bytes.length; i++) {
      expect(decode([bytes.subarray(0, i), bytes.subarray(i)], false)).toEqual(whole);
    }
    expect(
      decode(
        [...bytes].map((b) => Buffer.from([b])),
        false,
      ),
    ).toEqual(whole);
  });

  it('decodes text commands exactly as with meta on (property)', () => {
    const textCommand = fc.oneof(
      fc.constantFrom(
        'get a b\r\n',
        'gets a\r\n',
        'delete a\r\n',
        'incr n 1\r\n',
        'version\r\n',
        'stats\r\n',
      ),
      fc
        .tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.uint8Array({ maxLength: 16 }))
        .map(([k, v]) => `set ${k} 0 0 ${v.length}\r\n${Buffer.from(v).toString('latin1')}\r\n`),
    );
    fc.assert(
      fc.property(fc.array(textCommand, { maxLength: 12 }), (commands) => {
        const bytes = Buffer.from(commands.join(''), 'latin1');
        expect(decode([bytes], false)).toEqual(decode([bytes], true));
      }),
      { numRuns: 200 },
    );
  });
});
