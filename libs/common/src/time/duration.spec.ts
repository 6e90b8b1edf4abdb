import { describe, expect, it } from '@jest/globals';
import { formatDuration, parseDuration } from './duration.js';

describe('durations', () => {
  it.each([
    ['30d', 2_592_000],
    ['12h', 43_200],
    ['2m', 120],
    ['45s', 45],
    [' 7d ', 604_800],
    ['3650d', 315_360_000],
  ])('%j is %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '30', 'd', '1.5d', '-1d', '0s', '3651d', '30D', '1w', '1d2h', '99999999999s'])(
    '%j is refused',
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );

  it('formats with the largest exact unit, and reads back what it writes', () => {
    expect([604_800, 7_200, 120, 90, 1].map(formatDuration)).toEqual(['7d', '2h', '2m', '90s', '1s']);
    for (const seconds of [1, 59, 60, 3_599, 3_600, 86_399, 86_400, 2_592_000])
      expect(parseDuration(formatDuration(seconds))).toBe(seconds);
  });
});
