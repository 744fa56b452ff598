// @memkit/client against a real memcached and against an embedded @memkit/server: the calls an
// application makes first (set, get, getMulti, getOrSet, incr, delete) and a typed error.
import assert from 'node:assert/strict';
import { TIMEOUTS } from './timeouts.mjs';

async function exercise(Client, MemkitError, servers, prefix) {
  const client = new Client({ servers, ...TIMEOUTS });
  try {
    const user = `${prefix}:user`;
    assert.equal(await client.set(user, { name: 'Ada', langs: ['en', 'fr'] }, { ttl: 60 }), true);
    assert.deepEqual(await client.get(user), { name: 'Ada', langs: ['en', 'fr'] });
    assert.equal(await client.set(`${prefix}:text`, 'héllo 日本'), true);
    const hits = await client.getMulti([user, `${prefix}:text`, `${prefix}:missing`]);
    assert.ok(hits instanceof Map, 'getMulti resolves a Map');
    assert.deepEqual([...hits.keys()].sort(), [`${prefix}:text`, user].sort());
    assert.equal(hits.get(`${prefix}:text`), 'héllo 日本');

    let loads = 0;
    const loader = async () => {
      loads++;
      return { report: 42 };
    };
    assert.deepEqual(await client.getOrSet(`${prefix}:report`, loader, { ttl: 60 }), { report: 42 });
    assert.deepEqual(await client.getOrSet(`${prefix}:report`, loader, { ttl: 60 }), { report: 42 });
    assert.equal(loads, 1, 'the second getOrSet is served from the cache');

    await client.set(`${prefix}:n`, '41');
    assert.equal(await client.incr(`${prefix}:n`, 1), 42n);
    assert.equal(await client.delete(user), true);
    assert.equal(await client.get(user), undefined);

    await assert.rejects(client.get('has space'), (err) => {
      assert.ok(err instanceof MemkitError, 'errors are MemkitErrors');
      assert.equal(err.code, 'ERR_KEY_INVALID');
      return true;
    });
  } finally {
    await client.close();
  }
}

export async function clientScenario({ load, memcached, prefix }) {
  const { Client, MemkitError } = await load('@memkit/client');
  await exercise(Client, MemkitError, [memcached], prefix);
}

export async function serverScenario({ load, prefix }) {
  const { Client, MemkitError } = await load('@memkit/client');
  const { startServer } = await load('@memkit/server');
  const server = await startServer({ port: 0 });
  try {
    await exercise(Client, MemkitError, [server.address], prefix);
    // The embedded server counts what it served: the client really talked to it.
    assert.ok(server.stats().cmd_get > 0, 'the embedded server served the gets');
  } finally {
    await server.close();
  }
}

/** An error thrown by one build (ESM or CJS) is an instance of the other build's class. */
export async function dualPackageScenario({ load, loadOther, memcached }) {
  const mine = await load('@memkit/client');
  const other = await loadOther('@memkit/client');
  assert.notEqual(mine.Client, other.Client, 'the two builds are distinct modules');
  const client = new other.Client({ servers: [memcached], ...TIMEOUTS });
  try {
    await assert.rejects(client.get(''), (err) => {
      assert.ok(err instanceof mine.MemkitError, 'instanceof holds across the ESM and CJS builds');
      assert.ok(mine.isMemkitError(err));
      return true;
    });
  } finally {
    await client.close();
  }
}
