import { MemkitError } from '@memkit/client';
import type { SessionData } from 'express-session';
import { describe, expect, test } from 'vitest';
import { DEFAULT_TTL_MS, sessionTtlMs, toTtlSeconds, validateTtlOption } from '../src/ttl';

const NOW = Date.UTC(2030, 0, 1);
const DAY = 24 * 3600 * 1000;

function session(cookie: Record<string, unknown>): SessionData {
  return { cookie } as unknown as SessionData;
}

describe('sessionTtlMs', () => {
  test.each([
    ['expires as a Date', { expires: new Date(NOW + 5000), maxAge: 999 }, 5000],
    [
      'expires as an ISO string (session read back from JSON)',
      { expires: new Date(NOW + 31 * DAY).toISOString() },
      31 * DAY,
    ],
    ['expires in the past', { expires: new Date(NOW - 1) }, -1],
    ['maxAge without expires', { maxAge: 1234 }, 1234],
    ['browser-session cookie (no expiry)', { expires: null, originalMaxAge: null }, DEFAULT_TTL_MS],
    ['unparseable expires falls back to maxAge', { expires: 'not a date', maxAge: 10 }, 10],
    ['no cookie at all', undefined, DEFAULT_TTL_MS],
  ])('%s', (_name, cookie, expected) => {
    expect(sessionTtlMs(session(cookie as Record<string, unknown>), undefined, NOW)).toBe(expected);
  });

  test('a fixed ttl option wins over the cookie', () => {
    expect(sessionTtlMs(session({ maxAge: 5 }), 60_000, NOW)).toBe(60_000);
  });

  test('a ttl function receives the session', () => {
    const s = session({ maxAge: 5 });
    (s as unknown as { role: string }).role = 'admin';
    expect(
      sessionTtlMs(s, (x) => ((x as unknown as { role: string }).role === 'admin' ? 1000 : 2000), NOW),
    ).toBe(1000);
  });

  test('a ttl function returning a non-number is an ERR_INVALID_ARGUMENT', () => {
    expect(() => sessionTtlMs(session({}), () => Number.NaN, NOW)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});

describe('toTtlSeconds rounds up so a short TTL never becomes "forever" (0)', () => {
  test.each([
    [1, 1],
    [999, 1],
    [1000, 1],
    [1001, 2],
    [31 * DAY, 31 * 24 * 3600],
  ])('%d ms -> %d s', (ms, s) => {
    expect(toTtlSeconds(ms)).toBe(s);
  });
});

describe('validateTtlOption', () => {
  test.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1000'])('rejects %s', (ttl) => {
    expect(() => validateTtlOption(ttl)).toThrow(MemkitError);
  });
  test('accepts a positive number, a function and undefined', () => {
    const fn = (): number => 1;
    expect(validateTtlOption(1)).toBe(1);
    expect(validateTtlOption(fn)).toBe(fn);
    expect(validateTtlOption(undefined)).toBeUndefined();
  });
});
