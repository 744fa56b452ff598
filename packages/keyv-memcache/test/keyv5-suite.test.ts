/**
 * The official @keyv/test-suite (2.1.2, the release for Keyv 5) against the
 * adapter on a real memcached, driven by Keyv 5: API, values and namespace
 * tests. Iteration is covered in iterator.test.ts: Keyv 5 only exposes
 * `keyv.iterator()` for a fixed list of SQL/Redis/Mongo/etcd dialects.
 */
import keyvTestSuite from '@keyv/test-suite';
import Keyv from 'keyv5';
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

// A fresh adapter per call (the suite calls store() for every Keyv it builds), on one shared client,
// in the default 'auto' mode, as users create it.
const store = () => new KeyvMemkit(backend.client);

vitest.describe('@keyv/test-suite with Keyv 5', () => {
  keyvTestSuite(vitest as never, Keyv as never, store);
});
