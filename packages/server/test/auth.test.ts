/**
 * ASCII authentication modes of memkit-server. `memcached` mode must answer
 * exactly like memcached 1.6.18 started with `-Y` (checked side by side);
 * `memcachier` mode enforces MemCachier's scheme: the first command is
 * `set <user> 0 0 <len>` + password, anything else closes the connection.
 */
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../src/index';
import { serverStarter } from './helpers/servers';
import { Wire } from './helpers/wire';

const start = serverStarter();

/**
 * Sends each step on one connection and collects its whole reply, like a
 * conversation log: a reply is complete at a line end (after `END` for a
 * retrieval), or when the server closes.
 */
async function converse(port: number, steps: string[], closes = false): Promise<string[]> {
  const wire = await Wire.open(port);
  try {
    const out: string[] = [];
    for (const [i, step] of steps.entries()) {
      const retrieval = step.startsWith('get ');
      // The last step of a conversation the server ends: read until it closes.
      const until = closes && i === steps.length - 1 ? 'close' : { suffix: retrieval ? 'END\r\n' : '\r\n' };
      out.push(await wire.send(step, until));
    }
    if (wire.closed) out.push('<closed>');
    return out;
  } finally {
    wire.close();
  }
}

describe("auth mode 'memcached' (memcached -Y)", () => {
  let mc: MemcachedInstance;
  beforeAll(async () => {
    mc = await startMemcached({ auth: { username: 'alice', password: 's3cret' } });
  });
  afterAll(() => mc.stop());

  const conversations: string[][] = [
    ['version\r\n', 'get x\r\n', 'mn\r\n', 'set auth 0 0 12\r\nalice s3cret\r\n', 'version\r\n', 'mn\r\n'],
    ['set auth 0 0 9\r\nalice bad\r\n', 'version\r\n', 'set any 0 0 12\r\nalice s3cret\r\n', 'get any\r\n'],
    ['set alice 0 0 6\r\ns3cret\r\n', 'mg x v\r\n'],
    ['set a 0 0 12\r\nbob s3cret!!\r\n', 'config get cluster\r\n'],
  ];
  for (const steps of conversations) {
    it(`answers ${JSON.stringify(steps[0])}… exactly like memcached`, async () => {
      const server = await start({ auth: { username: 'alice', password: 's3cret' } });
      const theirs = await converse(mc.port, steps);
      // The only intended difference: memkit-server's version string.
      const ours = (await converse(server.port, steps)).map((r) =>
        r.replace('VERSION 1.6.18-memkit', 'VERSION 1.6.18'),
      );
      expect(ours).toEqual(theirs);
    });
  }

  it('counts auth commands and failures, and reports ASCII auth as enabled', async () => {
    const server = await start({
      auth: { users: [{ username: 'alice', password: 'x' }], mode: 'memcached' },
    });
    await converse(server.port, ['set a 0 0 7\r\nalice y\r\n', 'set a 0 0 7\r\nalice x\r\n']);
    expect(server.stats()).toMatchObject({ auth_cmds: 2, auth_errors: 1 });
  });
});

describe("auth mode 'memcachier'", () => {
  const auth = {
    username: '15F38e',
    password: '52353F9F1C4017CC16FD348B982ED47D',
    mode: 'memcachier',
  } as const;

  it('accepts set <user> 0 0 <len> + password as the first command, then serves', async () => {
    const server = await start({ auth });
    expect(
      await converse(server.port, [
        'set 15F38e 0 0 32\r\n52353F9F1C4017CC16FD348B982ED47D\r\n',
        'set k 0 0 1\r\nv\r\nget k\r\n',
      ]),
    ).toEqual(['STORED\r\n', 'STORED\r\nVALUE k 0 1\r\nv\r\nEND\r\n']);
    // The credentials are not an item.
    expect(server.stats()).toMatchObject({ curr_items: 1, auth_cmds: 1, auth_errors: 0 });
  });

  it('closes the connection on any other first command, and on wrong credentials', async () => {
    const server = await start({ auth });
    expect(await converse(server.port, ['version\r\n'], true)).toEqual([
      'CLIENT_ERROR unauthenticated\r\n',
      '<closed>',
    ]);
    expect(await converse(server.port, ['set 15F38e 0 0 5\r\nwrong\r\n'], true)).toEqual([
      'CLIENT_ERROR authentication failure\r\n',
      '<closed>',
    ]);
    // memcached's scheme ("user password" as the value of any key) is not MemCachier's.
    expect(
      await converse(server.port, ['set auth 0 0 39\r\n15F38e 52353F9F1C4017CC16FD348B982ED47D\r\n'], true),
    ).toEqual(['CLIENT_ERROR authentication failure\r\n', '<closed>']);
    expect(server.stats()).toMatchObject({ auth_cmds: 2, auth_errors: 2, curr_items: 0 });
  });

  it('refuses invalid auth options', async () => {
    await expect(startServer({ auth: { username: '', password: 'x' } })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    await expect(
      startServer({ auth: { username: 'a', password: 'x', mode: 'sasl' as 'memcached' } }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(startServer({ auth: { users: [] } })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
  });
});

describe('memkit-server -Y <authfile> --auth-mode', () => {
  it('reads user:password lines and enforces the chosen scheme', async () => {
    const { parseAuthFile } = await import('../src/auth');
    expect(parseAuthFile('alice:s3cret\r\nbob:with:colon\n\n')).toEqual([
      { username: 'alice', password: 's3cret' },
      { username: 'bob', password: 'with:colon' },
    ]);
    expect(() => parseAuthFile('no-colon\n')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );

    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const dir = mkdtempSync(join(tmpdir(), 'memkit-auth-'));
    const file = join(dir, 'authfile');
    writeFileSync(file, 'u1:pw1\n');
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    const child = spawn(process.execPath, [cli, '-p', '0', '-v', '-Y', file, '--auth-mode', 'memcachier'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      let log = '';
      child.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
      });
      for (let i = 0; i < 200 && !/listening on 127\.0\.0\.1:\d+/.test(log); i++)
        await new Promise((r) => setTimeout(r, 25));
      const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(log)![1]);
      expect(await converse(port, ['set u1 0 0 3\r\npw1\r\n', 'version\r\n'])).toEqual([
        'STORED\r\n',
        'VERSION 1.6.18-memkit\r\n',
      ]);
      expect(await converse(port, ['version\r\n'], true)).toEqual([
        'CLIENT_ERROR unauthenticated\r\n',
        '<closed>',
      ]);
    } finally {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
