// @memkit/client over the transports and wire options whose support differs between runtimes:
// the text protocol, a unix socket, TLS (verified against the test CA) and zlib compression.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { TIMEOUTS } from './timeouts.mjs';

async function roundTrip(Client, options, key, value) {
  const client = new Client({ ...options, ...TIMEOUTS });
  try {
    assert.equal(await client.set(key, value, { ttl: 60 }), true);
    assert.deepEqual(await client.get(key), value);
    const hits = await client.getMulti([key, `${key}-missing`]);
    assert.deepEqual([...hits.entries()], [[key, value]]);
  } finally {
    await client.close();
  }
}

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

export async function textProtocolScenario({ load, memcached, prefix }) {
  const { Client } = await load('@memkit/client');
  await roundTrip(Client, { servers: [memcached], protocol: 'text' }, `${prefix}:k`, { via: 'text' });
}

export async function unixSocketScenario({ load, prefix }) {
  const { Client } = await load('@memkit/client');
  const path = required('MEMKIT_MEMCACHED_UNIX');
  await roundTrip(Client, { servers: [path] }, `${prefix}:k`, { via: 'unix socket' });
}

export async function tlsScenario({ load, prefix }) {
  const { Client } = await load('@memkit/client');
  const tls = {
    ca: readFileSync(required('MEMKIT_TLS_CA'), 'utf8'),
    servername: required('MEMKIT_TLS_SERVERNAME'),
  };
  await roundTrip(Client, { servers: [required('MEMKIT_MEMCACHED_TLS')], tls }, `${prefix}:k`, {
    via: 'tls',
  });
}

export async function compressionScenario({ load, memcached, prefix }) {
  const { Client, rawSerializer } = await load('@memkit/client');
  const big = 'memkit compresses this '.repeat(2000);
  await roundTrip(Client, { servers: [memcached], minCompressLength: 1024 }, `${prefix}:big`, big);
  // Stored compressed: read raw (rawSerializer), it is zlib data under the compression flag (8).
  const raw = new Client({ servers: [memcached], serializer: rawSerializer, ...TIMEOUTS });
  try {
    const stored = await raw.get(`${prefix}:big`);
    assert.ok(stored.flags & 8, `compression flag set (flags ${stored.flags})`);
    assert.ok(stored.value.length < big.length / 10, `stored ${stored.value.length} bytes for ${big.length}`);
  } finally {
    await raw.close();
  }
}
