/**
 * The verdict of the `protocol: 'auto'` probe from the replies to its
 * `version` + `mn`, fed through the real reply decoder and reply routing
 * whole, split at every byte boundary, and byte by byte; and, for any
 * well-formed reply to `mn` other than `MN` (fast-check), text.
 */
import { ReplyDecoder } from '@memkit/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isPreReleaseMeta,
  ProtocolProbeExchange,
  type ProtocolVerdict,
} from '../src/exchanges/protocol-probe';
import { deliverReply } from '../src/exchanges/reply-route';

/** Feeds `chunks` to a fresh probe; its outcome, and whether the last reply finished it. */
async function probe(
  chunks: Buffer[],
): Promise<{ ok: boolean; value: ProtocolVerdict | Error; done: boolean }> {
  const ex = new ProtocolProbeExchange();
  const decoder = new ReplyDecoder();
  let done = false;
  for (const chunk of chunks) {
    for (const reply of decoder.push(chunk)) {
      expect(done).toBe(false);
      done = deliverReply(ex, reply, 'mc:11211');
    }
  }
  return ex.promise.then(
    (value) => ({ ok: true, value, done }),
    (value: Error) => ({ ok: false, value, done }),
  );
}

/** Every way of cutting `bytes` in two, plus byte by byte. */
function layouts(bytes: Buffer): Buffer[][] {
  const out: Buffer[][] = [[bytes]];
  for (let i = 1; i < bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  out.push([...bytes].map((b) => Buffer.from([b])));
  return out;
}

const CASES: Array<[string, 'meta' | 'text' | 'ERR_SERVER' | 'ERR_AUTH']> = [
  ['VERSION 1.6.18\r\nMN\r\n', 'meta'],
  ['VERSION 1.6.10\r\nMN\r\n', 'meta'],
  ['VERSION 1.6.18-memkit\r\nMN\r\n', 'meta'],
  ['VERSION mcrouter 42\r\nMN\r\n', 'meta'],
  ['VERSION 1.6.6\r\nMN\r\n', 'text'],
  ['VERSION 1.6.9\r\nMN\r\n', 'text'],
  ['VERSION 1.5.22\r\nERROR\r\n', 'text'],
  ['VERSION 1.6.6\r\nOK\r\n', 'text'],
  ['VERSION 1.6.18\r\nEN\r\n', 'text'],
  ['VERSION 1.6.18\r\nCLIENT_ERROR bad command line format\r\n', 'text'],
  ['ERROR\r\nERROR\r\n', 'text'],
  ['VERSION 1.6.18\r\nSERVER_ERROR out of memory\r\n', 'ERR_SERVER'],
  ['VERSION 1.6.18\r\nERROR Too many open connections\r\n', 'ERR_SERVER'],
  ['CLIENT_ERROR unauthenticated\r\nCLIENT_ERROR unauthenticated\r\n', 'ERR_AUTH'],
];

describe('protocol probe verdicts', () => {
  it('writes version and mn, pipelined, in one chunk', () => {
    expect(new ProtocolProbeExchange().chunks).toEqual(['version\r\nmn\r\n']);
  });

  for (const [replies, expected] of CASES) {
    it(`${JSON.stringify(replies)} → ${expected}, at every byte boundary`, async () => {
      for (const chunks of layouts(Buffer.from(replies, 'latin1'))) {
        const r = await probe(chunks);
        expect(r.done).toBe(true);
        if (expected === 'meta' || expected === 'text') {
          expect(r.ok).toBe(true);
          expect((r.value as ProtocolVerdict).protocol).toBe(expected);
        } else {
          expect(r.ok).toBe(false);
          expect(r.value).toMatchObject({ code: expected });
        }
      }
    });
  }

  it('any well-formed reply to mn other than MN means text (property)', async () => {
    const word = fc.oneof(
      fc.constantFrom('OK', 'HD', 'EN', 'NF', 'NS', 'EX', 'END', 'STORED', 'DELETED', 'RESET', 'ERROR'),
      fc.stringMatching(/^CLIENT_ERROR [a-z ]{1,20}$/),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('1.6.18', '1.6.6', '1.4.39'), word, async (version, reply) => {
        const r = await probe([Buffer.from(`VERSION ${version}\r\n${reply}\r\n`, 'latin1')]);
        expect(r.done).toBe(true);
        expect(r.ok).toBe(true);
        expect((r.value as ProtocolVerdict).protocol).toBe('text');
      }),
      { numRuns: 200 },
    );
  });

  it('a reply to version that is not VERSION is a broken stream', async () => {
    await expect(probe([Buffer.from('MN\r\nMN\r\n')])).rejects.toMatchObject({ code: 'ERR_PROTOCOL' });
  });

  it.each([
    ['1.6.6', true],
    ['1.6.9', true],
    ['1.5.22', true],
    ['1.4.39-elasticache', true],
    ['1.6.10', false],
    ['1.6.18-memkit', false],
    ['1.7.0', false],
    ['2.0.0', false],
    ['mcrouter 42', false],
    ['', false],
    [undefined, false],
  ])('isPreReleaseMeta(%j) is %s', (version, expected) => {
    expect(isPreReleaseMeta(version)).toBe(expected);
  });
});
