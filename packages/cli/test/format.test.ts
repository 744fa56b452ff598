import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatMemory,
  formatPercent,
  formatRate,
  toJson,
} from '../src/stats/format';

describe('formatting', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [67108864, '64.0 MiB'],
    [1.5 * 1024 ** 3, '1.5 GiB'],
  ])('formatBytes(%d) = %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });

  it.each([
    [0, '0s'],
    [42, '42s'],
    [312, '5m 12s'],
    [3600, '1h'],
    [7500, '2h 5m'],
    [273600, '3d 4h'],
  ])('formatDuration(%d) = %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });

  it('writes missing figures as -', () => {
    for (const f of [formatBytes, formatCount, formatRate, formatPercent, formatDuration]) {
      expect(f(undefined)).toBe('-');
    }
    expect(formatMemory(undefined, undefined)).toBe('-');
    expect(formatMemory(10, undefined)).toBe('10 B / -');
  });

  it('formats counts, rates, ratios and memory', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatRate(1234.56)).toBe('1,234.6');
    expect(formatRate(0)).toBe('0.0');
    expect(formatPercent(0.975)).toBe('97.5%');
    expect(formatMemory(16 * 1024 * 1024, 64 * 1024 * 1024)).toBe('16.0 MiB / 64.0 MiB (25%)');
  });

  it('writes JSON with nulls for missing figures and bigints as numbers or strings', () => {
    expect(JSON.parse(toJson({ a: undefined, b: 5n, c: 2n ** 64n - 1n }))).toEqual({
      a: null,
      b: 5,
      c: '18446744073709551615',
    });
  });
});
