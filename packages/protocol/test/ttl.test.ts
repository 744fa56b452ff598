import { describe, expect, it } from 'vitest';
import { MemkitError } from '../src/errors';
import { THIRTY_DAYS_SECONDS, toExptime } from '../src/ttl';

const NOW_MS = 1_700_000_000_500;
const NOW_S = 1_700_000_000;

describe('toExptime', () => {
  const table: Array<[string, number, number]> = [
    ['0 never expires', 0, 0],
    ['-0 never expires', -0, 0],
    ['negative expires immediately', -5, -1],
    ['small negative fraction expires immediately', -0.1, -1],
    ['fraction rounds up, never to forever', 0.3, 1],
    ['1.5 rounds up', 1.5, 2],
    ['integer stays', 60, 60],
    ['exactly 30 days stays relative', THIRTY_DAYS_SECONDS, THIRTY_DAYS_SECONDS],
    ['30 days and a fraction becomes absolute', THIRTY_DAYS_SECONDS + 0.5, NOW_S + THIRTY_DAYS_SECONDS + 1],
    ['30 days + 1 s becomes absolute', THIRTY_DAYS_SECONDS + 1, NOW_S + THIRTY_DAYS_SECONDS + 1],
    ['a year becomes absolute', 365 * 86400, NOW_S + 365 * 86400],
  ];
  for (const [name, ttl, expected] of table) {
    it(`${name}: ${ttl} → ${expected}`, () => {
      expect(Object.is(toExptime(ttl, NOW_MS), expected)).toBe(true);
    });
  }

  it('uses Date.now() by default', () => {
    const before = Math.floor(Date.now() / 1000);
    const got = toExptime(THIRTY_DAYS_SECONDS * 2);
    expect(got).toBeGreaterThanOrEqual(before + THIRTY_DAYS_SECONDS * 2);
    expect(got).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + THIRTY_DAYS_SECONDS * 2);
  });

  for (const bad of [
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    '5' as unknown as number,
  ]) {
    it(`rejects ${String(bad)} with ERR_INVALID_ARGUMENT`, () => {
      expect(() => toExptime(bad, NOW_MS)).toThrow(MemkitError);
      try {
        toExptime(bad, NOW_MS);
      } catch (err) {
        expect((err as MemkitError).code).toBe('ERR_INVALID_ARGUMENT');
      }
    });
  }
});
