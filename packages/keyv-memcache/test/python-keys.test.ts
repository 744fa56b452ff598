/**
 * The README's Python snippet is the documentation of the key mapping for
 * other languages, so it is tested as written: the first ```python block of
 * README.md runs under the system Python against real python-memcached. It
 * must compute the same key as `mapKey` for arbitrary strings, and find every
 * value memkit wrote through Keyv (text keys with python-memcached, binary
 * keys with the snippet's meta get).
 */
import { mapKey } from '@memkit/client';
import { anyKey, readmePython, requirePythonMemcache, runPython, UNUSUAL_KEYS } from '@memkit/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyvMemkit } from '../src/index';
import { type Backend, KEYV_VERSIONS, startBackend } from './helpers';

const SNIPPET = readmePython(new URL('../README.md', import.meta.url));
const anyKeys = anyKey({ maxLength: 600 });

/** Runs the README snippet followed by `driver`, with `input` as JSON on stdin; returns the JSON it prints. */
const python = <T>(driver: string, input: unknown): T =>
  runPython<T>(`${SNIPPET}\nimport sys\n${driver}`, input);

let backend: Backend;
beforeAll(async () => {
  expect(SNIPPET).toContain('def memkit_key(');
  requirePythonMemcache();
  backend = await startBackend();
});
afterAll(async () => {
  await backend?.stop();
});

describe("the README's Python key mapping", () => {
  it('computes the same key as mapKey for arbitrary strings and prefixes', () => {
    const cases = fc.sample(fc.tuple(anyKeys, fc.constantFrom('', 'users:', 'app:cache:', 'sp ace:')), 600);
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

  it.each(KEYV_VERSIONS)(
    'finds with python-memcached every value memkit wrote through $name',
    async ({ name, Keyv }) => {
      const namespace = `py-${name.replace(' ', '')}`;
      const keyv = new Keyv({ store: new KeyvMemkit(backend.client), namespace });
      const keys = [...UNUSUAL_KEYS, ...fc.sample(anyKeys, 40)].filter(
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
    },
  );
});
