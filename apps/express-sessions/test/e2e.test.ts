import { type MemcachedInstance, rawCommand, startMemcached } from '@memkit/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningApp } from '../src/main';
import { base, sessionCookie, sessionId, startApp, visitsOf } from './helpers';

let mc: MemcachedInstance;
let a: RunningApp;
let b: RunningApp;

beforeAll(async () => {
  mc = await startMemcached({ memoryMb: 16 });
  a = await startApp([mc.address]);
  b = await startApp([mc.address]);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await mc?.stop();
});

async function login(app: RunningApp, name: string): Promise<string> {
  const res = await request(base(app)).post('/login').type('form').send({ name });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/');
  return sessionCookie(res.headers['set-cookie']);
}

async function visit(app: RunningApp, cookie: string): Promise<string> {
  const res = await request(base(app)).get('/').set('Cookie', cookie);
  expect(res.status).toBe(200);
  return res.text;
}

describe('two instances sharing memcached', () => {
  test('log in on one, the counter continues on the other, log out ends it on both', async () => {
    expect(a.port).not.toBe(b.port);
    const cookie = await login(a, 'Ada');

    expect(visitsOf(await visit(a, cookie))).toBe(1);
    const onB = await visit(b, cookie);
    expect(onB).toContain('id="user">Ada<');
    expect(onB).toContain(`127.0.0.1:${b.port}`);
    expect(visitsOf(onB)).toBe(2);
    expect(visitsOf(await visit(a, cookie))).toBe(3);
    const api = await request(base(b)).get('/api/session').set('Cookie', cookie);
    expect(api.body).toEqual({ instance: `127.0.0.1:${b.port}`, name: 'Ada', visits: 3 });

    // The session lives in memcached as JSON text for the cookie's 31 days.
    const sid = sessionId(cookie);
    const raw = await rawCommand(mc, `mg sess:${sid} t f v\r\n`);
    expect(raw).toMatch(/^VA \d+ .*f16/);
    expect(raw).toContain('"name":"Ada"');
    const ttl = Number(/ t(\d+)/.exec(raw)![1]);
    expect(ttl).toBeGreaterThan(30 * 24 * 3600);

    const out = await request(base(b)).post('/logout').set('Cookie', cookie);
    expect(out.status).toBe(303);
    expect(await rawCommand(mc, `mg sess:${sid} v\r\n`)).toBe('EN\r\n');
    for (const app of [a, b]) {
      const page = await visit(app, cookie);
      expect(page).toContain('action="/login"');
      const state = await request(base(app)).get('/api/session').set('Cookie', cookie);
      expect(state.body).toMatchObject({ name: null, visits: 0 });
    }
  });

  test('login regenerates the session ID', async () => {
    const first = await login(a, 'Grace');
    const second = await request(base(b))
      .post('/login')
      .set('Cookie', first)
      .type('form')
      .send({ name: 'Grace' });
    expect(sessionId(sessionCookie(second.headers['set-cookie']))).not.toBe(sessionId(first));
    expect(await rawCommand(mc, `mg sess:${sessionId(first)} v\r\n`)).toBe('EN\r\n');
  });

  test('the sessions page lists every active session from store.all(), on either instance', async () => {
    const linus = await login(a, 'Linus');
    const barbara = await login(b, 'Barbara');
    await visit(a, barbara);
    const page = await request(base(b)).get('/sessions').set('Cookie', linus);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<td>Linus</td>');
    expect(page.text).toContain('<td>Barbara</td><td>1</td>');
    expect(page.text).toContain(`<code>${sessionId(linus).slice(0, 6)}…</code> (you)`);
    // The page never shows a whole session ID.
    expect(page.text).not.toContain(sessionId(barbara));
    const count = Number(/id="count">(\d+)</.exec(page.text)![1]);
    expect(count).toBe(await b.store.ids().then((ids) => ids.length));
  });

  test('names are escaped and validated', async () => {
    const cookie = await login(a, '<script>alert(1)</script>');
    const page = await visit(b, cookie);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>alert');
    const empty = await request(base(a)).post('/login').type('form').send({ name: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.headers['set-cookie']).toBeUndefined();
  });

  test('a memcached outage fails the request visibly (503), and the app recovers after a restart', async () => {
    const cookie = await login(a, 'Outage');
    await mc.stop();
    const down = await request(base(a)).get('/').set('Cookie', cookie);
    expect(down.status).toBe(503);
    expect(down.text).toMatch(/The session store failed: ERR_CONNECT(ION_CLOSED)?:/);
    await mc.restart();
    const deadline = Date.now() + 5000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await request(base(b)).post('/login').type('form').send({ name: 'Back' })).status;
      if (status === 303) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(303);
  });
});
