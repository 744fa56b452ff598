// @memkit/express-session behind a real Express 5 app over HTTP: a session counter kept across
// requests by its cookie, then read back from memcached by a second, independent store.
import assert from 'node:assert/strict';
import { TIMEOUTS } from './timeouts.mjs';

const def = (mod) => mod.default ?? mod;

function listen(app) {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', (err) => (err ? reject(err) : resolve(server)));
  });
}

function storeGet(store, sid) {
  return new Promise((resolve, reject) => store.get(sid, (err, s) => (err ? reject(err) : resolve(s))));
}

export async function expressSessionScenario({ load, memcached, prefix }) {
  const express = def(await load('express'));
  const session = def(await load('express-session'));
  const { MemkitStore } = await load('@memkit/express-session');
  const { Client } = await load('@memkit/client');

  // The store gets a client with the scenarios' timeouts (given a client, it never closes it).
  const client = new Client({ servers: [memcached], ...TIMEOUTS });
  const store = new MemkitStore({ client, keyPrefix: `${prefix}:sess:` });
  const app = express();
  app.use(session({ store, secret: 'consumer-test', resave: false, saveUninitialized: false }));
  app.get('/visit', (req, res) => {
    req.session.visits = (req.session.visits ?? 0) + 1;
    res.json({ visits: req.session.visits, id: req.sessionID });
  });
  const server = await listen(app);
  try {
    const url = `http://127.0.0.1:${server.address().port}/visit`;
    const first = await fetch(url);
    assert.equal(first.status, 200);
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0];
    assert.match(cookie, /^connect\.sid=/, 'the session cookie is set');
    const one = await first.json();
    assert.equal(one.visits, 1);
    const second = await fetch(url, { headers: { cookie } });
    const two = await second.json();
    assert.deepEqual(two, { visits: 2, id: one.id }, 'the cookie brings the session back');

    // A second store on its own client reads the session back from memcached.
    const readerClient = new Client({ servers: [memcached], ...TIMEOUTS });
    const reader = new MemkitStore({ client: readerClient, keyPrefix: `${prefix}:sess:` });
    try {
      const stored = await storeGet(reader, one.id);
      assert.equal(stored?.visits, 2, 'the session is in memcached');
    } finally {
      await reader.close();
      await readerClient.close();
    }
    return { visits: two.visits };
  } finally {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    await client.close();
  }
}
