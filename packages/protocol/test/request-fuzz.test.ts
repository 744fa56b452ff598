/**
 * Property tests of the request decoder (fast-check): garbage and mutated
 * commands never make it throw anything but an ERR_PROTOCOL MemkitError,
 * never make it hang, and decode the same way however they are chunked.
 */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMemkitError, type Request, RequestDecoder } from '../src/index';
import { cutAt } from './helpers/cut';

type Plain = Record<string, unknown>;

function plain(req: Request): Plain {
  if ('value' in req) return { ...req, value: req.value.toString('latin1') };
  return { ...req };
}

function decodeChunks(chunks: Uint8Array[]): Plain[] {
  const decoder = new RequestDecoder({ maxValueLength: 64 });
  const out: Plain[] = [];
  for (const chunk of chunks) decoder.feed(chunk, (req) => out.push(plain(req)));
  return out;
}

const WORDS = [
  'set',
  'add',
  'replace',
  'append',
  'prepend',
  'cas',
  'get',
  'gets',
  'gat',
  'gats',
  'delete',
  'incr',
  'decr',
  'touch',
  'stats',
  'flush_all',
  'version',
  'verbosity',
  'quit',
  'mg',
  'ms',
  'md',
  'ma',
  'mn',
  'me',
  'lru_crawler',
  'metadump',
  'noreply',
  'foo',
  '0',
  '1',
  '5',
  '-1',
  '99999999999999999999',
  'v',
  'k',
  'q',
  'T10',
  'N5',
  'O1',
  'MA',
  'C1',
  'b',
  'Zm9v',
  '\r\n',
  '\n',
  ' ',
  '\0',
  '\xff',
];

/** Commands made of protocol words, so the parser goes deep rather than failing on the first token. */
const commandish = fc
  .array(fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 6 })), { maxLength: 40 })
  .map((words) => Buffer.from(words.join(' '), 'latin1'));

const garbage = fc.uint8Array({ maxLength: 1500 });

describe('request decoder properties', () => {
  it('decodes any short input the same whole or chunked, without throwing', () => {
    fc.assert(
      fc.property(fc.oneof(commandish, garbage), fc.array(fc.nat(), { maxLength: 8 }), (bytes, offsets) => {
        const whole = decodeChunks([bytes]);
        expect(decodeChunks(cutAt(bytes, offsets))).toEqual(whole);
      }),
      { numRuns: 1500, seed: 20240611 },
    );
  });

  it('only ever throws ERR_PROTOCOL on long garbage', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1000, maxLength: 12_000 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (bytes, offsets) => {
          try {
            decodeChunks(cutAt(bytes, offsets));
          } catch (err) {
            expect(isMemkitError(err, 'ERR_PROTOCOL')).toBe(true);
          }
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it('yields only typed requests whose error lines are protocol replies', () => {
    fc.assert(
      fc.property(commandish, (bytes) => {
        for (const req of decodeChunks([bytes, Buffer.from('\r\n')])) {
          expect(typeof req.type).toBe('string');
          if (req.type === 'bad') {
            expect(req.message).toMatch(
              /^(ERROR|CLIENT_ERROR .+|SERVER_ERROR .+|BADCLASS .+|Error .+|MEMLIMIT_\w+ .+)$/,
            );
          }
        }
      }),
      { numRuns: 1000, seed: 42 },
    );
  });

  it('stays linear on adversarial input', () => {
    const decoder = new RequestDecoder();
    const started = performance.now();
    let count = 0;
    // 200k one-byte lines plus a big multiget arriving byte by byte.
    decoder.feed(Buffer.alloc(200_000, 0x0a), () => count++);
    const multiget = Buffer.from(`get ${'k '.repeat(50_000)}\r\n`);
    for (let i = 0; i < multiget.length; i += 7) decoder.feed(multiget.subarray(i, i + 7), () => count++);
    expect(count).toBe(200_001);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
