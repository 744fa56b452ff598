import { Client } from '@memkit/client';
import { type MemcachedInstance, rawCommand, startMemcached } from '@memkit/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exited, memkit, spawnMemkit } from './helpers/cli';

let mc: MemcachedInstance;
let client: Client;
const run = (args: string[], input?: string | Buffer) => memkit(args, { servers: mc.address, input });

beforeAll(async () => {
  mc = await startMemcached();
  client = new Client({ servers: [mc.address] });
});

afterAll(async () => {
  await client?.close();
  await mc?.stop();
});

beforeEach(async () => {
  await client.flushAll();
});

describe('get / set / delete', () => {
  it('set stores a python-memcached text string (flags 16); get prints it', async () => {
    const set = await run(['set', 'greeting', 'hello world', '--ttl', '60']);
    expect(set).toMatchObject({ code: 0, stdout: '', stderr: '' });
    // flags 16 = python-memcached's text string.
    expect(await rawCommand(mc, 'get greeting\r\n')).toBe('VALUE greeting 16 11\r\nhello world\r\nEND\r\n');
    const get = await run(['get', 'greeting']);
    expect(get).toMatchObject({ code: 0, stdout: 'hello world\n', stderr: '' });
  });

  it('get prints values stored by applications: objects as JSON, numbers, raw bytes', async () => {
    await client.set('obj', { a: 1, b: [true] });
    await client.set('num', 42);
    await client.set('bytes', Buffer.from([0, 1, 2, 255]));
    expect((await run(['get', 'obj'])).stdout).toBe('{"a":1,"b":[true]}\n');
    expect((await run(['get', 'num'])).stdout).toBe('42\n');
    expect((await run(['get', 'bytes'])).raw).toEqual(Buffer.from([0, 1, 2, 255]));
    const many = await run(['get', 'obj', 'num', 'bytes']);
    expect(many.stdout).toBe('obj: {"a":1,"b":[true]}\nnum: 42\nbytes: <4 bytes>\n');
  });

  it('set without a value stores standard input as bytes', async () => {
    const data = Buffer.from([10, 0, 200, 13, 10]);
    expect((await run(['set', 'blob'], data)).code).toBe(0);
    expect(await client.get('blob')).toEqual(data);
  });

  it('a miss exits 1 with the key on stderr; --json gives null', async () => {
    const miss = await run(['get', 'nope']);
    expect(miss).toMatchObject({ code: 1, stdout: '', stderr: 'memkit: not found: nope\n' });
    await client.set('yes', 'y');
    const json = await run(['get', 'yes', 'nope', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ yes: 'y', nope: null });
  });

  it('delete removes keys and exits 1 when one was missing', async () => {
    await client.set('d1', 'x');
    await client.set('d2', 'x');
    expect((await run(['delete', 'd1'])).code).toBe(0);
    expect(await rawCommand(mc, 'get d1\r\n')).toBe('END\r\n');
    const partial = await run(['del', 'd2', 'd3', '--json']);
    expect(partial.code).toBe(1);
    expect(JSON.parse(partial.stdout)).toEqual({ d2: true, d3: false });
    expect(partial.stderr).toBe('memkit: not found: d3\n');
  });

  it('touch sets a new TTL; a missing key exits 1', async () => {
    await client.set('t', 'x');
    expect((await run(['touch', 't', '100'])).code).toBe(0);
    const [dump] = await client.metadump();
    const items = dump?.ok ? dump.value : [];
    const exp = Number(items.find((i) => i.key === 't')!.fields.exp);
    expect(exp - Date.now() / 1000).toBeGreaterThan(90);
    expect((await run(['touch', 'missing', '10'])).code).toBe(1);
  });

  it('incr and decr print the new value; a missing counter exits 1; a non-number is a usage error', async () => {
    await client.set('n', 5);
    expect(await run(['incr', 'n'])).toMatchObject({ code: 0, stdout: '6\n' });
    expect(await run(['incr', 'n', '10'])).toMatchObject({ code: 0, stdout: '16\n' });
    expect(await run(['decr', 'n', '20'])).toMatchObject({ code: 0, stdout: '0\n' });
    expect(JSON.parse((await run(['incr', 'n', '18446744073709551615', '--json'])).stdout)).toEqual({
      key: 'n',
      value: '18446744073709551615',
    });
    expect(await run(['incr', 'nope'])).toMatchObject({ code: 1, stderr: 'memkit: not found: nope\n' });
    await client.set('word', 'abc');
    const bad = await run(['incr', 'word']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^memkit: .*\(ERR_CLIENT_ERROR\)\n$/);
  });

  it('invalid keys are usage errors reported before anything is sent', async () => {
    const r = await run(['set', 'has space', 'v']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^memkit: key "has space" contains whitespace.*\(ERR_KEY_INVALID\)\n$/);
  });
});

describe('keys', () => {
  it('lists keys sorted, filtered by prefix, limited', async () => {
    for (const k of ['user:2', 'user:1', 'session:9', 'user:3']) await client.set(k, 'v');
    expect(await run(['keys'])).toMatchObject({ code: 0, stdout: 'session:9\nuser:1\nuser:2\nuser:3\n' });
    expect((await run(['keys', '--prefix', 'user:'])).stdout).toBe('user:1\nuser:2\nuser:3\n');
    const limited = await run(['keys', '--prefix', 'user:', '--limit', '2']);
    expect(limited.stdout).toBe('user:1\nuser:2\n');
    expect(limited.stderr).toBe('memkit: showing 2 of 3 keys (--limit)\n');
  });

  it('--json and --long carry server, size and expiry', async () => {
    await client.set('k:ttl', 'value', { ttl: 300 });
    await client.set('k:forever', 'v');
    const json = JSON.parse((await run(['keys', '--json', '--prefix', 'k:'])).stdout);
    expect(json.map((k: { key: string }) => k.key)).toEqual(['k:forever', 'k:ttl']);
    expect(json[0]).toMatchObject({ server: mc.address, exp: -1 });
    expect(json[1].exp - Date.now() / 1000).toBeGreaterThan(290);
    expect(json[1].size).toBeGreaterThan(5);
    const long = await run(['keys', '-l', '--prefix', 'k:']);
    expect(long.stdout).toMatch(/k:forever\s+│ \S+\s+│\s+\d+ B │\s+never │/);
    expect(long.stdout).toMatch(/k:ttl\s+│ .*│\s+4m \d+s │/);
  });
});

describe('pipes', () => {
  it('exits 0 quietly when the reader closes the pipe early (memkit keys | head)', async () => {
    const entries = Array.from(
      { length: 20_000 },
      (_, i) => [`a-long-key-name-so-the-listing-overflows-the-pipe:${i}`, 1] as const,
    );
    expect(await client.setMulti(entries)).toEqual([]);
    const child = spawnMemkit(['keys'], { servers: mc.address });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdout!.once('data', () => child.stdout!.destroy());
    expect(await exited(child)).toBe(0);
    expect(stderr).toBe('');
  });
});

describe('flush', () => {
  it('refuses without --yes (exit 2) and flushes with it', async () => {
    await client.set('keep', 'v');
    const refused = await run(['flush']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('run again with --yes');
    expect(await client.get('keep')).toBe('v');
    const flushed = await run(['flush', '--yes']);
    expect(flushed).toMatchObject({ code: 0, stdout: `flushed ${mc.address}\n` });
    expect(await rawCommand(mc, 'get keep\r\n')).toBe('END\r\n');
  });

  it('flushes the servers it reaches, names the one it cannot, and exits 3', async () => {
    await client.set('keep', 'v');
    const r = await memkit(['flush', '--yes', '-s', `${mc.address},127.0.0.1:1`]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe(`flushed ${mc.address}\n`);
    expect(r.stderr).toMatch(/^memkit: 127\.0\.0\.1:1 was not flushed: .*ECONNREFUSED/);
    expect(await rawCommand(mc, 'get keep\r\n')).toBe('END\r\n');
    const json = await memkit(['flush', '--yes', '--json', '-s', `${mc.address},127.0.0.1:1`]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      flushed: [mc.address],
      failed: [{ server: '127.0.0.1:1', code: 'ERR_CONNECT' }],
    });
  });
});

describe('get with a server down', () => {
  it('prints the live keys, names the failed ones on stderr (not as misses), and exits 3', async () => {
    const both = new Client({ servers: [mc.address, '127.0.0.1:1'], failureThreshold: 1_000_000 });
    const keys = Array.from({ length: 10 }, (_, i) => `g${i}`);
    const live = keys.filter((k) => both.serverFor(k) === mc.address);
    const dead = keys.filter((k) => !live.includes(k));
    await both.close();
    expect(live.length).toBeGreaterThan(0);
    expect(dead.length).toBeGreaterThan(0);
    await client.setMulti(live.map((k) => [k, `v-${k}`] as const));
    // The CLI marks a down server dead after two failures; one call stays within that.
    const r = await memkit(['get', ...keys, '-s', `${mc.address},127.0.0.1:1`]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe(live.map((k) => `${k}: v-${k}\n`).join(''));
    expect(r.stderr).not.toContain('not found');
    for (const k of dead) expect(r.stderr).toContain(`memkit: ${k}: `);
    const json = await memkit(['get', '--json', ...keys, '-s', `${mc.address},127.0.0.1:1`]);
    expect(Object.keys(JSON.parse(json.stdout)).sort()).toEqual([...live].sort());
  });
});

describe('keys with a server down', () => {
  it("lists the live server's keys, names the other on stderr, and exits 3", async () => {
    await client.set('listed', 'v');
    const r = await memkit(['keys', '-s', `${mc.address},127.0.0.1:1`]);
    expect(r.code).toBe(3);
    expect(r.stdout.split('\n')).toContain('listed');
    expect(r.stderr).toMatch(/memkit: 127\.0\.0\.1:1 could not be listed: /);
  });
});
