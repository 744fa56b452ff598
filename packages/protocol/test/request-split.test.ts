/**
 * Split-chunk tests of the request decoder: a pipeline covering every
 * command shape (data blocks, swallowed blocks, bad chunks, errors) must
 * decode to the same requests whether it arrives whole, cut at any byte
 * boundary, or byte by byte.
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { type Request, RequestDecoder, type RequestDecoderLimits } from '../src/index';

type Plain = Record<string, unknown>;

function plain(req: Request): Plain {
  if ('value' in req) return { ...req, value: req.value.toString('latin1') };
  return { ...req };
}

function decodeChunks(chunks: Buffer[], limits?: RequestDecoderLimits): Plain[] {
  const decoder = new RequestDecoder(limits);
  const out: Plain[] = [];
  for (const chunk of chunks) decoder.feed(chunk, (req) => out.push(plain(req)));
  return out;
}

/** Every way of cutting `bytes` in two, plus byte-by-byte. */
function chunkings(bytes: Buffer): Buffer[][] {
  const layouts: Buffer[][] = [];
  for (let i = 1; i < bytes.length; i++) layouts.push([bytes.subarray(0, i), bytes.subarray(i)]);
  layouts.push([...bytes].map((b) => Buffer.from([b])));
  return layouts;
}

const PIPELINES: Record<string, string> = {
  storage: 'set a 1 2 3\r\nabc\r\ncas b 0 0 4 99 noreply\r\n\r\n\r\n\r\nappend c 0 0 0\r\n\r\n',
  retrieval: 'get a b c\r\ngets a\r\ngat 10 a\r\ngats 0 a b\nbget x\r\n',
  classic:
    'delete a\r\nincr n 5\r\ndecr n 1 noreply\r\ntouch a 1\r\nflush_all 0\r\nverbosity 1\r\nversion\r\nstats\r\n' +
    'config get cluster\r\n',
  meta: 'mg foo v k O1 t\r\nms foo 5 T10 F3 c\r\nhello\r\nmd foo q I T5\r\nma n N0 J1 D2 MD v\r\nme foo\r\nmn\r\n',
  errors:
    'set a 0 0 1\r\nxyz\r\nms foo 2 x\r\nhi\r\nset a -1 0 1\r\nGET a\r\n\r\nmg foo b\r\nlru_crawler metadump 99\r\n',
  tooLarge: `set big 0 0 40\r\n${'z'.repeat(40)}\r\nms big 33 I\r\n${'y'.repeat(33)}\r\nmn\r\n`,
  binary: 'set k\xff\x01 0 0 3\r\n\x00\r\n\r\nget k\xff\x01\0ignored\r\n',
};

describe('split-chunk decoding', () => {
  for (const [name, text] of Object.entries(PIPELINES)) {
    it(`decodes the ${name} pipeline identically at every byte boundary`, () => {
      const bytes = Buffer.from(text, 'latin1');
      const whole = decodeChunks([bytes], { maxValueLength: 32 });
      expect(whole.length).toBeGreaterThanOrEqual(2);
      for (const layout of chunkings(bytes)) {
        expect(decodeChunks(layout, { maxValueLength: 32 })).toEqual(whole);
      }
    });
  }

  it('yields zero-copy views for data blocks that arrive whole', () => {
    const bytes = Buffer.from('set a 0 0 5\r\nhello\r\n');
    const decoder = new RequestDecoder();
    let value: Buffer | undefined;
    decoder.feed(bytes, (req) => {
      if (req.type === 'storage') value = req.value;
    });
    expect(value?.buffer).toBe(bytes.buffer);
    expect(value?.toString()).toBe('hello');
  });

  it('reports whether a command is partially received', () => {
    const decoder = new RequestDecoder();
    const seen: Request[] = [];
    decoder.feed(Buffer.from('set a 0 0 5\r\nhel'), (req) => seen.push(req));
    expect(decoder.pending).toBe(true);
    decoder.feed(Buffer.from('lo\r\n'), (req) => seen.push(req));
    expect(decoder.pending).toBe(false);
    expect(seen).toHaveLength(1);
  });
});
