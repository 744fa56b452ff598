import { MemkitError, ReplyDecoder } from '@memkit/protocol';
import { describe, expect, it } from 'vitest';
import { parseServer, parseServers } from '../src/index';
import { MetaGetRequest, MetaMultiGetRequest } from '../src/requests/meta';
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

describe('meta requests', () => {
  const serializer = createDefaultSerializer();
  const decode = (s: string) => new ReplyDecoder().push(Buffer.from(s));

  it('ERROR to a meta command is ERR_UNSUPPORTED naming the fix', async () => {
    const req = new MetaGetRequest('get', '1', 'mg k v f O1\r\n', serializer, false);
    for (const r of decode('ERROR\r\n')) req.onReply(r, 'old:11211');
    await expect(req.promise).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED', message: /protocol: 'text'/ });
  });

  it('a reply with another request’s opaque is a protocol error (desync guard)', () => {
    const req = new MetaGetRequest('get', 'a1', 'mg k v f Oa1\r\n', serializer, false);
    const [reply] = decode('VA 1 f0 Oa2\r\nx\r\n');
    expect(() => req.onReply(reply!, 's')).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL' }));
  });

  it('a quiet batch maps hits by opaque and ends at MN', async () => {
    const out = new Map<string, unknown>();
    const req = new MetaMultiGetRequest(
      ['mg a v f O0 q\r\n', 'mg b v f O1 q\r\n'],
      ['a', 'b'],
      out,
      serializer,
    );
    const replies = decode('VA 1 f16 O1\r\nB\r\nMN\r\n');
    expect(req.onReply(replies[0]!, 's')).toBe(false);
    expect(req.onReply(replies[1]!, 's')).toBe(true);
    expect(await req.promise).toBe(out);
    expect(out).toEqual(new Map([['b', 'B']]));
  });
});
