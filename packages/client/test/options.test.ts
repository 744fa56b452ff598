/**
 * Client options are checked when the client is built: every option, with
 * `ERR_INVALID_OPTION` naming it (and the closest valid name for a typo);
 * `deadRetry` (seconds) gives way to `deadRetryDelay` (ms) with a one-time
 * deprecation warning. No server is needed: nothing connects before the
 * first command.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Client, type ClientOptions, MemkitError } from '../src/index';
import { editDistance } from '../src/option-checks';
import { CLIENT_OPTIONS, OPTION_NAMES } from '../src/option-table';
import { resolveOptions } from '../src/options';

function refusal(options: unknown): MemkitError {
  try {
    new Client(options as ClientOptions).close();
  } catch (err) {
    expect(err).toBeInstanceOf(MemkitError);
    return err as MemkitError;
  }
  throw new Error(`accepted ${String(options)}`);
}

/** For each option: values that must be refused (at least one per option; the test checks that). */
const BAD: Record<keyof ClientOptions, unknown[]> = {
  servers: [
    42,
    { host: 'h' },
    null,
    [],
    ['h:port'],
    ['a:1', 'a:1'],
    [{ port: 70_000 }],
    [42],
    [null],
    [{ hostname: 'cache' }],
    [{ host: 'h', port: '11211' }],
    [{ host: 'h', port: 1.5 }],
    [{ path: 1 }],
  ],
  protocol: ['bogus', 'META', 1],
  keyPrefix: [1, 'a b', 'x\n', 'é'.repeat(200)],
  keyMapping: ['loose', 'AUTO', true],
  serializer: [{}, { serialize: () => 0 }, 'json'],
  minCompressLength: [-1, 1.5, '100'],
  maxValueSize: [0, 1.5, 2 ** 31, '1m'],
  timeout: [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '1000'],
  connectTimeout: [0, -5, Number.NaN],
  connectionsPerServer: [1.5, 0, 2000, '2'],
  maxQueue: [0, 1.5, -1, Number.POSITIVE_INFINITY],
  keepAlive: [-1, Number.NaN, 'yes'],
  tls: [
    'yes',
    { rejectUnauthorised: false },
    { servername: 1 },
    { rejectUnauthorized: 'no' },
    { minVersion: 'TLSv1.3' },
  ],
  auth: [
    { username: 'u' },
    { username: 'a b', password: 'p' },
    { username: 'u', password: 'p', mechanism: 'x' },
    { username: 'u', password: 'p', mode: 'sasl' },
    'u:p',
  ],
  discovery: [
    'cfg:11211',
    42,
    {},
    { dns: 'a', srv: 'b' },
    { dns: 'a', intervall: 5 },
    { configEndpoint: 'cfg:11211', interval: 0 },
    { dns: 'bad name!' },
  ],
  resolver: [[], '127.0.0.1', [53]],
  reconnectDelay: [0, Number.NaN],
  reconnectMaxDelay: [-1, 0],
  hashing: ['bogus', 'consistent', 1],
  failureThreshold: [0, 1.5],
  deadRetryDelay: [0, -1, 2 ** 31],
  deadRetry: [0, -1, 'x', 3_000_000],
  failover: ['retry', true, 'gutter'],
  flushOnReconnect: ['yes', 1],
  nearCache: [
    true,
    {},
    { maxBytes: 1024 },
    { maxAge: 0 },
    { maxAge: -1, maxBytes: 1024 },
    { maxAge: 1000, maxBytes: 0 },
    { maxAge: 1000, maxBytes: 1.5 },
    { maxAge: 1000, maxSize: 10 },
    { maxAge: '1s' },
  ],
  gutter: [
    'g:11211',
    {},
    { servers: [] },
    { servers: ['g:11211'], ttl: 0 },
    { servers: ['g:11211'], tll: 5 },
    // Without failover: 'gutter' it would do nothing.
    { servers: ['g:11211'], ttl: 5 },
  ],
  replicas: [0, 1.5, 17, '2', 2],
  replicaWrites: ['most', 1],
  onError: ['ignore', true],
  invalidationBudget: [-1, 1.5, '10'],
  warmFrom: [
    42,
    [],
    null,
    ['old:port'],
    {},
    { servers: ['old:11211'], shadow: { servers: ['s'], fraction: 1 } },
    // The default servers: warming from itself.
    ['127.0.0.1:11211'],
  ],
  warmTtl: [-1, 1.5, '60', 2592001],
  shadow: [
    'x',
    { servers: ['s:11211'] },
    { servers: ['s:11211'], fraction: 2 },
    { servers: [], fraction: 0.1 },
    { servers: ['s:11211'], fraction: 0.1, mode: 'all' },
    { servers: ['s:11211'], fraction: 0.1, maxQueue: 0 },
    { servers: ['127.0.0.1:11211'], fraction: 0.1 },
  ],
};

describe('client options', () => {
  it('every option in the table has refused values in this test', () => {
    expect(Object.keys(BAD).sort()).toEqual([...OPTION_NAMES].sort());
  });

  for (const name of OPTION_NAMES) {
    it(`${name}: bad values are ERR_INVALID_OPTION naming the option`, () => {
      for (const value of BAD[name]) {
        const err = refusal({ [name]: value });
        expect(err.code, `${name}: ${String(value)}`).toBe('ERR_INVALID_OPTION');
        expect(err.message).toContain(name === 'servers' ? 'servers' : `option ${name}`);
      }
    });
  }

  it('the cases of the issue: protocol bogus, connectionsPerServer 1.5, hashing with one server', () => {
    expect(refusal({ protocol: 'bogus' }).message).toMatch(
      /option protocol must be one of 'meta', 'text', 'auto', got "bogus"/,
    );
    expect(refusal({ connectionsPerServer: 1.5 }).message).toMatch(
      /option connectionsPerServer must be an integer from 1/,
    );
    expect(refusal({ servers: ['127.0.0.1:11211'], hashing: 'bogus' }).message).toMatch(/option hashing/);
  });

  it('misspelled names are refused naming the closest valid option', () => {
    expect(refusal({ server: ['127.0.0.1:11211'] }).message).toBe(
      'unknown option "server" (did you mean "servers"?)',
    );
    expect(refusal({ tiemout: 100 }).message).toBe('unknown option "tiemout" (did you mean "timeout"?)');
    expect(refusal({ keyprefix: 'x' }).message).toContain('did you mean "keyPrefix"');
    expect(refusal({ prefix: 'x' }).message).toContain('did you mean "keyPrefix"');
    expect(refusal({ prefix: 'x' }).code).toBe('ERR_INVALID_OPTION');
    // Inside a server object too: { hostname } would otherwise quietly mean 127.0.0.1.
    expect(refusal({ servers: [{ hostname: 'cache' }] }).message).toMatch(/unknown field "hostname"/);
  });

  it('options that are not an object are refused', () => {
    for (const bad of ['127.0.0.1:11211', 42, null, ['127.0.0.1:11211']]) {
      const err = refusal(bad);
      expect(err.code).toBe('ERR_INVALID_OPTION');
      expect(err.message).toMatch(/client options must be an object/);
    }
  });

  it('servers may be one comma-separated string', () => {
    const client = new Client({ servers: '10.0.0.1:11211, 10.0.0.2:11212:3' });
    expect(client.servers()).toEqual(['10.0.0.1:11211', '10.0.0.2:11212']);
    void client.close();
    expect(new Client({ servers: 'cache' }).servers()).toEqual(['cache:11211']);
  });

  it('reconnectMaxDelay below reconnectDelay is refused', () => {
    expect(refusal({ reconnectDelay: 500, reconnectMaxDelay: 100 }).message).toMatch(
      /at least reconnectDelay/,
    );
  });

  it('nearCache: off by default, needs maxAge and the meta protocol, maxBytes defaults to 16 MiB', () => {
    expect(resolveOptions({}).nearCache).toBeUndefined();
    expect(resolveOptions({ nearCache: false, protocol: 'text' }).nearCache).toBeUndefined();
    expect(resolveOptions({ nearCache: { maxAge: 500 } }).nearCache).toEqual({
      maxAge: 500,
      maxBytes: 16 * 1024 * 1024,
    });
    expect(refusal({ nearCache: {} }).message).toMatch(/option nearCache needs maxAge/);
    expect(refusal({ nearCache: { maxAge: 1, maxBites: 10 } }).message).toMatch(/did you mean "maxBytes"/);
    expect(resolveOptions({ protocol: 'auto', nearCache: { maxAge: 500 } }).nearCache?.maxAge).toBe(500);
    const text = refusal({ protocol: 'text', nearCache: { maxAge: 1000 } });
    expect(text.code).toBe('ERR_INVALID_OPTION');
    expect(text.message).toMatch(/option nearCache needs protocol: 'meta'/);
    const replicated = refusal({ servers: ['a:1', 'b:1'], replicas: 2, nearCache: { maxAge: 1000 } });
    expect(replicated.code).toBe('ERR_INVALID_OPTION');
    expect(replicated.message).toMatch(/nearCache cannot be combined with replicas/);
    const off = new Client({});
    expect(off.nearCacheStats()).toBeUndefined();
    void off.close();
  });

  it('defaults come from the table', () => {
    const r = resolveOptions({});
    for (const name of ['timeout', 'connectTimeout', 'protocol', 'maxQueue', 'failover'] as const) {
      expect(r[name]).toBe(CLIENT_OPTIONS[name].default);
    }
    expect(r.deadRetryDelay).toBe(30_000);
    expect(r.servers.map((n) => n.address)).toEqual(['127.0.0.1:11211']);
  });

  it('undefined means the default, for any option', () => {
    const all = Object.fromEntries(OPTION_NAMES.map((n) => [n, undefined]));
    expect(resolveOptions(all).timeout).toBe(1000);
  });

  it('valid values are accepted', () => {
    const client = new Client({
      servers: [{ host: '::1', port: 11211, weight: 2 }, '/tmp/mc.sock'],
      protocol: 'text',
      keyPrefix: 'app:',
      minCompressLength: 100,
      timeout: 0.5,
      keepAlive: 0,
      tls: { rejectUnauthorized: false, servername: 'cache' },
      auth: { username: 'u', password: 'p w' },
      hashing: 'modula',
      connectionsPerServer: 4,
      maxQueue: 10,
      deadRetryDelay: 100,
      failover: 'error',
      flushOnReconnect: true,
    });
    void client.close();
  });
});

describe('deadRetry (seconds) becomes deadRetryDelay (milliseconds)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('deadRetry still works, in seconds, and warns once with a code', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    expect(resolveOptions({ deadRetry: 5 }).deadRetryDelay).toBe(5000);
    expect(resolveOptions({ deadRetry: 2 }).deadRetryDelay).toBe(2000);
    // Once per process: the first call may have happened in another test of this file.
    expect(warn.mock.calls.length).toBeLessThanOrEqual(1);
    const calls = warn.mock.calls as unknown as Array<[string, { type: string; code: string }]>;
    for (const [message, options] of calls) {
      expect(message).toMatch(/deadRetryDelay/);
      expect(options).toEqual({ type: 'DeprecationWarning', code: 'MEMKIT_DEP_DEAD_RETRY' });
    }
  });

  it('deadRetryDelay does not warn; both at once is refused', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    expect(resolveOptions({ deadRetryDelay: 1500 }).deadRetryDelay).toBe(1500);
    expect(warn).not.toHaveBeenCalled();
    expect(refusal({ deadRetry: 1, deadRetryDelay: 1000 }).message).toMatch(/not both/);
  });
});

describe('edit distance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps', () => {
    expect(editDistance('server', 'servers')).toBe(1);
    expect(editDistance('tiemout', 'timeout')).toBe(1);
    expect(editDistance('timeot', 'timeout')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', 'abc')).toBe(0);
  });
});
