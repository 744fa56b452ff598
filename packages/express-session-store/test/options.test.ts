/**
 * The store's key prefix is `keyPrefix`, as everywhere else in memkit; the
 * old name `prefix` still works and warns once.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { resolveStoreOptions } from '../src/options';

describe('keyPrefix, and prefix as its deprecated name', () => {
  afterEach(() => vi.restoreAllMocks());

  test('keyPrefix sets the prefix, without a warning; the default is sess:', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    expect(resolveStoreOptions({ keyPrefix: 'app:' }).prefix).toBe('app:');
    expect(resolveStoreOptions({}).prefix).toBe('sess:');
    expect(warn).not.toHaveBeenCalled();
  });

  test('prefix still works and warns at most once per process, with a code', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    expect(resolveStoreOptions({ prefix: 'old:' }).prefix).toBe('old:');
    expect(resolveStoreOptions({ prefix: 'old2:' }).prefix).toBe('old2:');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/keyPrefix/), {
      type: 'DeprecationWarning',
      code: 'MEMKIT_DEP_STORE_PREFIX',
    });
  });

  test('both names at once, or a prefix that is not a string, are refused', () => {
    expect(() => resolveStoreOptions({ prefix: 'a:', keyPrefix: 'b:' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringMatching(/not both/) }),
    );
    expect(() => resolveStoreOptions({ keyPrefix: 1 as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: 'keyPrefix must be a string' }),
    );
  });
});
