/**
 * The official @keyv/test-suite against the adapter on a real memcached,
 * driven by Keyv 6: API, values, namespace and iterator tests. The suite's
 * newest npm release (2.1.2) targets Keyv 5; the one test in it that asserts a
 * Keyv 5 return type runs with Keyv 6's expectation instead (see below).
 */
import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite';
import { Keyv } from 'keyv';
import * as vitest from 'vitest';
import { KeyvMemkit } from '../src/index';
import { type Backend, startBackend } from './helpers';

let backend: Backend;
vitest.beforeAll(async () => {
  backend = await startBackend();
});
vitest.afterAll(async () => {
  await backend.stop();
});

const store = () => new KeyvMemkit(backend.client);

type TestFn = (t: vitest.TestContext) => Promise<void>;

/**
 * Tests of the 2.1.2 suite that assert Keyv 5's own API rather than the
 * adapter's, registered with the Keyv 6 expectation instead (named so in the
 * report). Keyv 6 changed `keyv.delete([keys])` to return one boolean per key.
 */
const keyv6Semantics = new Map<string, { title: string; fn: TestFn }>([
  [
    '.deleteMany([keys]) with nonexistent keys resolves to false',
    {
      title: '.deleteMany([keys]) with nonexistent keys resolves to false for each key (Keyv 6 API)',
      fn: async (t) => {
        const keyv = new Keyv({ store: store() });
        t.expect(await keyv.delete(['foo', 'foo1', 'foo2'])).toEqual([false, false, false]);
      },
    },
  ],
]);

const replaced = new Set<string>();
const suiteApi = {
  ...vitest,
  it: (name: string, fn: TestFn, ...rest: unknown[]) => {
    const replacement = keyv6Semantics.get(name);
    if (replacement) {
      replaced.add(name);
      return vitest.it(replacement.title, replacement.fn);
    }
    return (vitest.it as (...args: unknown[]) => void)(name, fn, ...rest);
  },
};

vitest.describe('@keyv/test-suite with Keyv 6', () => {
  keyvTestSuite(suiteApi as never, Keyv as never, store);
  keyvIteratorTests(suiteApi as never, Keyv as never, store);
  vitest.it('every Keyv 6 replacement matched a test of the suite (none silently dropped)', () => {
    vitest.expect([...replaced]).toEqual([...keyv6Semantics.keys()]);
  });
});
