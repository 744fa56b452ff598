/**
 * Credentials never leak: not in error messages, causes or stacks, and not in any
 * `diagnostics_channel` event, whether auth fails, succeeds or is missing, in both protocols,
 * with a server marked dead by its auth failures, and with TLS client keys. (TLS verification
 * and the ERR_AUTH backoff are covered in ../transports.test.ts.)
 */
import diagnostics from 'node:diagnostics_channel';
import { inspect } from 'node:util';
import {
  generateTlsMaterial,
  type MemcachedInstance,
  startMemcached,
  startMemcachedCluster,
  stopAll,
} from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/index';

const USER = 'memkit-user-7f3a';
const PASSWORD = 'pw-d41d8cd98f00b204';
const WRONG = 'wrong-e3b0c44298fc1c14';

const CHANNELS = [
  'memkit:command:start',
  'memkit:command:end',
  'memkit:command:error',
  'memkit:connection:connect',
  'memkit:connection:close',
  'memkit:connection:error',
  'memkit:server:dead',
  'memkit:server:alive',
];

/** Everything a subscriber or a `catch` could print, as text. */
function dump(value: unknown): string {
  return inspect(value, { depth: 20, showHidden: true, getters: true, maxStringLength: null });
}

/** Subscribes to every memkit channel; returns the messages and an unsubscribe function. */
function record(): { messages: Array<[string, unknown]>; stop: () => void } {
  const messages: Array<[string, unknown]> = [];
  const subs = CHANNELS.map((name) => {
    const fn = (msg: unknown) => messages.push([name, msg]);
    diagnostics.subscribe(name, fn);
    return [name, fn] as const;
  });
  const stop = () => {
    for (const [name, fn] of subs) diagnostics.unsubscribe(name, fn);
  };
  return { messages, stop };
}

async function errorOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('credentials never appear in errors or diagnostics events', () => {
  let servers: MemcachedInstance[];
  beforeAll(async () => {
    servers = await startMemcachedCluster(2, { auth: { username: USER, password: PASSWORD } });
  });
  afterAll(async () => {
    await stopAll(servers);
  });

  for (const protocol of ['meta', 'text'] as const) {
    it(`${protocol}: wrong, right and missing credentials, and a server marked dead by them`, async () => {
      const rec = record();
      const errors: unknown[] = [];
      try {
        const wrong = new Client({
          servers: servers.map((s) => s.address),
          protocol,
          auth: { username: USER, password: WRONG },
          failureThreshold: 1,
          reconnectMaxDelay: 100,
        });
        try {
          for (let i = 0; i < 5; i++) {
            const err = await errorOf(wrong.get(`k${i}`));
            expect(err).toMatchObject({ code: expect.stringMatching(/^ERR_(AUTH|SERVER_DEAD)$/) });
            errors.push(err);
          }
          errors.push(await errorOf(wrong.getMulti(['a', 'b', 'c'])));
          errors.push(await errorOf(wrong.set('a', 'v')));
        } finally {
          await wrong.close();
        }

        const missing = new Client({ servers: [servers[0]!.address], protocol });
        try {
          errors.push(await errorOf(missing.get('a')));
        } finally {
          await missing.close();
        }

        const right = new Client({
          servers: servers.map((s) => s.address),
          protocol,
          auth: { username: USER, password: PASSWORD },
        });
        try {
          expect(await right.set('a', 'authed')).toBe(true);
          expect(await right.get('a')).toBe('authed');
          errors.push(await errorOf(right.incr('a')));
        } finally {
          await right.close();
        }
      } finally {
        rec.stop();
      }
      expect(errors.some((e) => (e as { code?: string }).code === 'ERR_AUTH')).toBe(true);
      const names = new Set(rec.messages.map(([name]) => name));
      for (const name of ['memkit:connection:error', 'memkit:command:error', 'memkit:server:dead']) {
        expect(names, name).toContain(name);
      }
      const text = dump(errors) + dump(rec.messages);
      for (const secret of [PASSWORD, WRONG, USER]) expect(text).not.toContain(secret);
    });
  }

  it('TLS: a client key and certificate do not appear in ERR_TLS errors or events', async () => {
    const tlsServer = await startMemcached({ tls: true });
    const other = await generateTlsMaterial();
    const rec = record();
    const client = new Client({
      servers: [tlsServer.address],
      tls: { ca: other.ca, cert: other.cert, key: other.key, servername: 'localhost' },
    });
    try {
      const err = await errorOf(client.get('x'));
      expect(err).toMatchObject({ code: 'ERR_TLS' });
      const keyBody = other.key.split('\n')[1]!;
      expect(keyBody.length).toBeGreaterThan(20);
      const text = dump(err) + dump(rec.messages);
      expect(text).not.toContain(keyBody);
      expect(text).not.toContain('PRIVATE KEY');
    } finally {
      rec.stop();
      await client.close();
      await tlsServer.stop();
    }
  });
});
