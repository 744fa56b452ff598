import { describe, expect, it } from 'vitest';
import { memkit } from './helpers/cli';

const COMMANDS = [
  'stats',
  'watch',
  'get',
  'set',
  'delete',
  'touch',
  'incr',
  'decr',
  'keys',
  'flush',
  'dashboard',
];

describe('help and usage errors', () => {
  it('memkit --help lists every command, the server sources and the exit codes', async () => {
    const r = await memkit(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    expect(r.stdout).toContain('$MEMCACHED_SERVERS');
    expect(r.stdout).toContain('2 usage error, 3 a server is down or failed');
  });

  it.each(COMMANDS)('memkit %s --help prints its usage and exits 0', async (command) => {
    const r = await memkit([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: memkit ${command}`));
    expect(r.stderr).toBe('');
  });

  it.each([
    [['get'], /missing required argument 'keys'/],
    [['stats', 'bogus'], /Allowed choices are slabs, items, settings/],
    [['touch', 'k', 'soon'], /expected a whole number >= 0/],
    [['stats', '--interval', '-5'], /unknown option '-5'|expected a whole number/],
    [['nosuch'], /unknown command 'nosuch'/],
    [['--protocol', 'binary', 'stats'], /Allowed choices are meta, text, auto/],
    [['--servers', ' , ', 'stats'], /--servers is empty/],
  ])('memkit %j is a usage error (exit 2) without a stack trace', async (args, message) => {
    const r = await memkit(args, { servers: '127.0.0.1:1' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('an unreachable server exits 3 with one line naming it', async () => {
    const r = await memkit(['get', 'k'], { servers: '127.0.0.1:1' });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('memkit: 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1 (ERR_CONNECT)\n');
  });

  it('--version prints the package version', async () => {
    const r = await memkit(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: '0.1.0\n' });
  });
});
