/**
 * The README's Python snippet is the documentation of the key mapping for
 * other languages, so it is tested as written: the first ```python block of
 * README.md runs under the system Python against real python-memcached. It
 * must compute the same key as `mapKey` for arbitrary strings, and find every
 * value memkit wrote through Keyv (text keys with python-memcached, binary
 * keys with the snippet's meta get).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mapKey } from '@memkit/client';
import fc from 'fast-check';
import { Keyv as Keyv6 } from 'keyv';
import Keyv5 from 'keyv5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyvMemkit } from '../src/index';
import { type Backend, startBackend } from './helpers';

const PYTHON = '/usr/bin/python3';
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const SNIPPET = /```python\n([\s\S]*?)```/.exec(README)?.[1] ?? '';

/** Runs the README snippet followed by `driver`, with `input` as JSON on stdin; returns the parsed JSON it prints. */
function python<T>(driver: string, input: unknown): T {
  const out = execFileSync(PYTHON, ['-c', `${SNIPPET}\nimport sys\n${driver}`], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out) as T;
}

const anyKey = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 600 }),
  fc.string({
    unit: fc.constantFrom(' ', '\r', '\n', '\t', '\0', 'a', 'é', '🎉', '#', '\uD800', '\uDFFF'),
    maxLength: 200,
  }),
  fc.string({ unit: 'grapheme-ascii', minLength: 180, maxLength: 260 }),
  fc.constantFrom('', '#sha256:abc', 'plain', 'ünïcødé'),
);
const NINE = [
  'with space',
  'tab\tkey',
  'crlf\r\ndelete victim',
  'ünïcødé',
  'emoji 🎉 key',
  '',
  `https://example.com/search?q=${'u'.repeat(969)}`,
  `${'p'.repeat(500)}${'A'.repeat(100)}`,
  `${'p'.repeat(500)}${'B'.repeat(100)}`,
];

let backend: Backend;
beforeAll(async () => {
  expect(SNIPPET, 'README.md has a ```python block').toContain('def memkit_key(');
  try {
    execFileSync(PYTHON, ['-c', 'import memcache'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${PYTHON} with python3-memcache is needed: apt-get install -y python3-memcache`);
  }
  backend = await startBackend();
});
afterAll(async () => {
  await backend?.stop();
});

describe("the README's Python key mapping", () => {
  it('computes the same key as mapKey for arbitrary strings and prefixes', () => {
    const cases = fc.sample(fc.tuple(anyKey, fc.constantFrom('', 'users:', 'app:cache:', 'sp ace:')), 600);
    const py = python<Array<[string, string]>>(
      `
import json
out = []
for key, prefix in json.load(sys.stdin):
    kind, k = memkit_key(key, prefix)
    out.append([kind, k if kind == 'text' else base64.b64encode(k).decode()])
print(json.dumps(out))
`,
      cases,
    );
    const js = cases.map(([key, prefix]) => {
      const m = mapKey(key, { prefix });
      return [m.base64 ? 'binary' : 'text', m.wire];
    });
    expect(py).toEqual(js);
  });

  it.each([
    { name: 'Keyv 5', Keyv: Keyv5 as unknown as typeof Keyv6 },
    { name: 'Keyv 6', Keyv: Keyv6 },
  ])('finds with python-memcached every value memkit wrote through $name', async ({ name, Keyv }) => {
    const namespace = `py-${name.replace(' ', '')}`;
    const keyv = new Keyv({ store: new KeyvMemkit(backend.client), namespace });
    const keys = [...NINE, ...fc.sample(anyKey, 40)].filter(
      (k, i, all) => all.indexOf(k) === i && !(name === 'Keyv 6' && k === ''),
    );
    await keyv.clear(); // a generation of its own, so Python must read the counter
    for (const [i, key] of keys.entries()) expect(await keyv.set(key, { i })).toBe(true);
    const found = python<unknown[]>(
      `
import json, memcache
job = json.load(sys.stdin)
mc = memcache.Client(['127.0.0.1:%d' % job['port']])
out = []
for key in job['keys']:
    kind, k = keyv_key(mc, key, namespace=job['namespace'])
    stored = mc.get(k) if kind == 'text' else meta_get(('127.0.0.1', job['port']), k)
    out.append(json.loads(stored)['value'] if stored is not None else None)
print(json.dumps(out))
`,
      { port: backend.memcached.port, namespace, keys },
    );
    expect(found).toEqual(keys.map((_, i) => ({ i })));
  });
});
