/**
 * Live interop with python-memcached 1.59 (the seed's client, Debian's
 * python3-memcache): both clients share keys on the same real memcached.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../src/index';
import { type Backend, startReal } from './helpers/backends';

const PYTHON = '/usr/bin/python3';

function python(script: string, port: number): string {
  return execFileSync(PYTHON, ['-c', script, String(port)], { encoding: 'utf8', timeout: 20_000 });
}

const hasPythonMemcache =
  existsSync(PYTHON) &&
  (() => {
    try {
      execFileSync(PYTHON, ['-c', 'import memcache'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

describe('python-memcached interop', () => {
  let server: Backend;
  let client: Client;

  beforeAll(async () => {
    if (!hasPythonMemcache) throw new Error('python3-memcache missing: apt-get install -y python3-memcache');
    server = await startReal();
    client = new Client({ servers: [server.address], minCompressLength: 100 });
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  for (const protocol of ['meta', 'text'] as const) {
    it(`memkit (${protocol}) reads what python-memcached wrote`, async () => {
      python(
        `
import sys, memcache
mc = memcache.Client(['127.0.0.1:' + sys.argv[1]])
assert mc.set('py:str', 'héllo wörld')
assert mc.set('py:int', 1234567)
assert mc.set('py:neg', -42)
assert mc.set('py:bytes', b'\\x00\\x01\\xff\\r\\n')
assert mc.set('py:zstr', 'compress me ' * 50, min_compress_len=10)
assert mc.set('py:empty', '')
`,
        server.port,
      );
      const c = new Client({ servers: [server.address], protocol });
      try {
        expect(await c.get('py:str')).toBe('héllo wörld');
        expect(await c.get('py:int')).toBe(1234567);
        expect(await c.get('py:neg')).toBe(-42);
        expect(await c.get('py:bytes')).toEqual(Buffer.from([0, 1, 0xff, 13, 10]));
        expect(await c.get('py:zstr')).toBe('compress me '.repeat(50));
        expect(await c.get('py:empty')).toBe('');
      } finally {
        await c.close();
      }
    });
  }

  it('python-memcached reads what memkit wrote (str, int, bytes, compressed)', async () => {
    await client.set('js:str', 'ünïcode ✓');
    await client.set('js:int', 987654321);
    await client.set('js:bytes', Buffer.from([0, 255, 10, 13]));
    await client.set('js:zstr', 'zlib zlib '.repeat(100));
    const out = python(
      `
import sys, memcache, json
mc = memcache.Client(['127.0.0.1:' + sys.argv[1]])
r = {
  'str': mc.get('js:str'),
  'int': mc.get('js:int'),
  'int_type': type(mc.get('js:int')).__name__,
  'bytes': list(mc.get('js:bytes')),
  'zstr': mc.get('js:zstr'),
}
print(json.dumps(r))
`,
      server.port,
    );
    const r = JSON.parse(out);
    expect(r.str).toBe('ünïcode ✓');
    expect(r.int).toBe(987654321);
    expect(r.int_type).toBe('int');
    expect(r.bytes).toEqual([0, 255, 10, 13]);
    expect(r.zstr).toBe('zlib zlib '.repeat(100));
  });

  it('the compressed value really is stored compressed (flag 8)', async () => {
    await client.set('js:zflag', 'abc'.repeat(200));
    const out = python(
      `
import sys, socket
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
s.sendall(b'get js:zflag\\r\\n')
data = b''
while not data.endswith(b'END\\r\\n'):
    data += s.recv(65536)
print(data.split(b'\\r\\n')[0].decode())
`,
      server.port,
    );
    const [, , flags, len] = out.trim().split(' ');
    expect(Number(flags) & 8).toBe(8);
    expect(Number(len)).toBeLessThan(600);
  });

  it('python pickles come back as ERR_UNSERIALIZABLE with the raw bytes', async () => {
    python(
      `
import sys, memcache
mc = memcache.Client(['127.0.0.1:' + sys.argv[1]])
assert mc.set('py:pickled', {'a': 1})
`,
      server.port,
    );
    const err = (await client.get('py:pickled').catch((e: unknown) => e)) as { code: string; raw: Buffer };
    expect(err.code).toBe('ERR_UNSERIALIZABLE');
    expect(Buffer.isBuffer(err.raw)).toBe(true);
    expect(err.raw.length).toBeGreaterThan(0);
  });
});
