// @memkit/keyv under one Keyv major: a Keyv built around the adapter (set, get, getMany, delete,
// namespace clear) and, when that major is the application's `keyv`, `createKeyv`. Keyv itself
// has getMany from 5.3 on; with an older Keyv 5 the batch call is not there to test.
import assert from 'node:assert/strict';
import { TIMEOUTS } from './timeouts.mjs';

async function roundTrip(keyv, label) {
  assert.equal(await keyv.set('a', { n: 1 }, 60_000), true, `${label}: set`);
  assert.equal(await keyv.set('b', 'two'), true, `${label}: set without ttl`);
  assert.deepEqual(await keyv.get('a'), { n: 1 }, `${label}: get`);
  assert.equal(await keyv.get('b'), 'two', `${label}: get`);
  const batched = typeof keyv.getMany === 'function';
  if (batched) {
    assert.deepEqual(
      await keyv.getMany(['a', 'b', 'missing']),
      [{ n: 1 }, 'two', undefined],
      `${label}: getMany`,
    );
  }
  assert.equal(await keyv.delete('b'), true, `${label}: delete`);
  assert.equal(await keyv.get('b'), undefined, `${label}: get after delete`);
  await keyv.clear();
  assert.equal(await keyv.get('a'), undefined, `${label}: get after clear`);
  return batched;
}

export async function keyvScenario({ load, config, memcached, prefix }, major) {
  const specifier = config.keyv[String(major)];
  if (!specifier) throw new Error(`this project has no Keyv ${major}`);
  const mod = await load(specifier);
  const Keyv = mod.Keyv ?? mod.default ?? mod;
  const { KeyvMemkit, createKeyv } = await load('@memkit/keyv');
  const { Client } = await load('@memkit/client');

  const errors = [];
  const adapter = new KeyvMemkit({ servers: [memcached], ...TIMEOUTS });
  const keyv = new Keyv({ store: adapter, namespace: `${prefix}-ns` });
  keyv.on('error', (err) => errors.push(err));
  const getMany = await roundTrip(keyv, `Keyv ${major}`);
  // A second Keyv on its own client and adapter reads what the first wrote: it is in memcached.
  await keyv.set('shared', { from: 'first' });
  const second = new Keyv({
    store: new KeyvMemkit({ servers: [memcached], ...TIMEOUTS }),
    namespace: `${prefix}-ns`,
  });
  second.on('error', (err) => errors.push(err));
  assert.deepEqual(await second.get('shared'), { from: 'first' }, 'the value is in memcached');
  await second.disconnect();
  // The namespace clear must not touch keys outside it.
  const raw = new Client({ servers: [memcached], ...TIMEOUTS });
  try {
    await raw.set(`${prefix}-outside`, 'kept');
    await keyv.set('x', 1);
    await keyv.clear();
    assert.equal(await raw.get(`${prefix}-outside`), 'kept', 'clear() is scoped to the namespace');
  } finally {
    await raw.close();
    await keyv.disconnect();
  }

  let created = false;
  if (config.mainKeyv === major) {
    const made = createKeyv(
      { servers: [memcached], ...TIMEOUTS },
      { namespace: `${prefix}-made`, ttl: 60_000 },
    );
    made.on('error', (err) => errors.push(err));
    assert.ok(made instanceof Keyv, `createKeyv builds the application's Keyv ${major}`);
    await roundTrip(made, `createKeyv (Keyv ${major})`);
    await made.disconnect();
    created = true;
  }
  if (errors.length > 0) throw errors[0];
  return { keyv: major, getMany, createKeyv: created };
}
