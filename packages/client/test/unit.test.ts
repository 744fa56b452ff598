import { MemkitError, ReplyDecoder } from '@memkit/protocol';
import { describe, expect, it } from 'vitest';
import { MetaGetExchange } from '../src/exchanges/meta';
import { deliverReply } from '../src/exchanges/reply-route';
import { TextMultiGetExchange } from '../src/exchanges/text';
import { parseServer, parseServers } from '../src/index';
import { createDefaultSerializer } from '../src/serialization/index';

describe('server specs', () => {
  it('parses host:port, host:port:weight, IPv6, unix sockets and objects', () => {
    expect(parseServer('10.0.0.1:11212')).toMatchObject({ host: '10.0.0.1', port: 11212, weight: 1 });
    expect(parseServer('cache:11211:3')).toMatchObject({ host: 'cache', port: 11211, weight: 3 });
    expect(parseServer('localhost')).toMatchObject({ port: 11211, address: 'localhost:11211' });
    expect(parseServer('[::1]:11213')).toMatchObject({ host: '::1', port: 11213, address: '[::1]:11213' });
    expect(parseServer('/tmp/mc.sock')).toMatchObject({
      socketPath: '/tmp/mc.sock',
      address: '/tmp/mc.sock',
    });
    expect(parseServer({ host: 'h', port: 1, weight: 2 })).toMatchObject({ address: 'h:1', weight: 2 });
  });
  it('rejects nonsense with ERR_INVALID_ARGUMENT', () => {
    for (const bad of ['h:port', 'h:1:2:3', ':11211', 'h:70000']) {
      expect(() => parseServer(bad)).toThrow(MemkitError);
    }
    expect(() => parseServers([])).toThrow(/at least one/);
    expect(() => parseServers(['a:1', 'a:1'])).toThrow(/twice/);
  });
});

describe('meta exchanges', () => {
  const serializer = createDefaultSerializer();
  const decode = (s: string) => new ReplyDecoder().push(Buffer.from(s));

  it('ERROR to a meta command is ERR_UNSUPPORTED naming the fix', async () => {
    const req = new MetaGetExchange('get', '1', 'mg k v f O1\r\n', serializer, false);
    for (const r of decode('ERROR\r\n')) deliverReply(req, r, 'old:11211');
    await expect(req.promise).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED', message: /protocol: 'text'/ });
  });

  it('a reply with another request’s opaque is a protocol error (desync guard)', () => {
    const req = new MetaGetExchange('get', 'a1', 'mg k v f Oa1\r\n', serializer, false);
    const [reply] = decode('VA 1 f0 Oa2\r\nx\r\n');
    expect(() => req.onReply(reply!, 's')).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL' }));
  });
});

describe('text multi-get exchanges', () => {
  const serializer = createDefaultSerializer();
  const b = (s: string) => Buffer.from(s, 'utf8');

  /** Feeds `bytes` through a decoder, with or without the in-place VALUE path. */
  function feed(req: TextMultiGetExchange<unknown>, bytes: Buffer, views: boolean): boolean {
    let done = false;
    new ReplyDecoder().feed(
      bytes,
      (r) => {
        done = deliverReply(req, r, 's');
      },
      views ? (v) => (done = req.onValue(v, 's')) : undefined,
    );
    return done;
  }

  for (const views of [true, false]) {
    const how = views ? 'in-place values' : 'ValueReply values';
    it(`${how}: maps VALUEs to the caller's keys in order, skipping misses, ending at END`, async () => {
      const out = new Map<string, unknown>();
      const wires = ['p:a', 'p:b', 'p:ключ', 'p:d'];
      const req = new TextMultiGetExchange(
        'getMulti',
        ['get p:a p:b p:ключ p:d\r\n'],
        wires,
        ['a', 'b', 'ключ', 'd'],
        out,
        serializer,
        false,
      );
      const done = feed(
        req,
        b('VALUE p:b 16 1\r\nB\r\nVALUE p:ключ 16 2\r\nК\r\nVALUE p:d 0 1\r\nD\r\nEND\r\n'),
        views,
      );
      expect(done).toBe(true);
      expect(await req.promise).toBe(out);
      expect(out).toEqual(
        new Map<string, unknown>([
          ['b', 'B'],
          ['ключ', 'К'],
          ['d', Buffer.from('D')],
        ]),
      );
    });

    it(`${how}: accepts another order and duplicate keys, each VALUE to its own key`, async () => {
      const out = new Map<string, unknown>();
      const req = new TextMultiGetExchange(
        'getMulti',
        ['get x y x\r\n'],
        ['x', 'y', 'x'],
        ['x', 'y', 'x'],
        out,
        serializer,
        false,
      );
      feed(req, b('VALUE y 16 1\r\nY\r\nVALUE x 16 1\r\nX\r\nVALUE x 16 1\r\nX\r\nEND\r\n'), views);
      expect(await req.promise).toEqual(
        new Map([
          ['x', 'X'],
          ['y', 'Y'],
        ]),
      );
    });

    it(`${how}: a VALUE for a key that was not asked for is a protocol error`, () => {
      const req = new TextMultiGetExchange(
        'getMulti',
        ['get a\r\n'],
        ['a'],
        ['a'],
        new Map(),
        serializer,
        false,
      );
      expect(() => feed(req, b('VALUE ab 16 1\r\nX\r\nEND\r\n'), views)).toThrow(
        expect.objectContaining({ code: 'ERR_PROTOCOL', message: expect.stringMatching(/not asked for/) }),
      );
    });

    it(`${how}: a value that cannot be decoded rejects once END arrives, keeping the stream in step`, async () => {
      const req = new TextMultiGetExchange(
        'getMulti',
        ['get a b\r\n'],
        ['a', 'b'],
        ['a', 'b'],
        new Map(),
        serializer,
        false,
      );
      const bytes = Buffer.concat([
        b('VALUE a 16 1\r\n'),
        Buffer.from([0xff]),
        b('\r\nVALUE b 16 1\r\nB\r\n'),
      ]);
      expect(feed(req, bytes, views)).toBe(false);
      expect(feed(req, b('END\r\n'), views)).toBe(true);
      await expect(req.promise).rejects.toMatchObject({ code: 'ERR_UNSERIALIZABLE' });
    });
  }
});
