import { MemkitError } from '@memkit/client';
import { describe, expect, it } from 'vitest';
import { resolveServers } from '../src/config';
import { CliError, ExitCode, exitCodeOf, formatError } from '../src/errors';

describe('server list', () => {
  it('prefers --servers, then MEMCACHED_SERVERS, then localhost', () => {
    expect(resolveServers('a:1, b:2', { MEMCACHED_SERVERS: 'c:3' })).toEqual(['a:1', 'b:2']);
    expect(resolveServers(undefined, { MEMCACHED_SERVERS: 'c:3,,d:4' })).toEqual(['c:3', 'd:4']);
    expect(resolveServers(undefined, {})).toEqual(['127.0.0.1:11211']);
  });

  it('refuses an empty list instead of falling back to localhost', () => {
    expect(() => resolveServers(' , ', {})).toThrow(/--servers is empty/);
    expect(() => resolveServers(undefined, { MEMCACHED_SERVERS: '' })).toThrow(/MEMCACHED_SERVERS is empty/);
  });
});

describe('exit codes', () => {
  it('maps user mistakes to 2 and server failures to 3', () => {
    expect(exitCodeOf(new CliError('bad'))).toBe(ExitCode.USAGE);
    expect(exitCodeOf(new MemkitError('ERR_KEY_INVALID', 'bad key'))).toBe(ExitCode.USAGE);
    expect(exitCodeOf(new MemkitError('ERR_CLIENT_ERROR', 'CLIENT_ERROR cannot increment'))).toBe(
      ExitCode.USAGE,
    );
    expect(exitCodeOf(new MemkitError('ERR_CONNECT', 'refused'))).toBe(ExitCode.UNAVAILABLE);
    expect(exitCodeOf(new MemkitError('ERR_TIMEOUT', 'slow'))).toBe(ExitCode.UNAVAILABLE);
  });

  it('prints one line for known errors and keeps the stack only for bugs', () => {
    expect(formatError(new MemkitError('ERR_CONNECT', 'a:1: refused'))).toBe(
      'memkit: a:1: refused (ERR_CONNECT)',
    );
    expect(formatError(new CliError('no --yes'))).toBe('memkit: no --yes');
    expect(formatError(new TypeError('oops'))).toMatch(
      /unexpected error, please report it: TypeError: oops\n\s+at /,
    );
  });
});
