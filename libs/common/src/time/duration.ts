/**
 * Durations as the configuration and the admin API write them: a whole number and a unit, `d`, `h`, `m` or `s`
 * (`30d`, `12h`, `2m`, `45s`). Kept as whole seconds.
 */
const UNITS: Readonly<Record<string, number>> = { d: 86_400, h: 3_600, m: 60, s: 1 };
const FORMAT = /^(\d{1,10})([dhms])$/;

/** 1 second to 3,650 days: a retention longer than ten years is a mistake, not a policy. */
export const MAX_DURATION_SECONDS = 3_650 * 86_400;

export const DURATION_RULE = 'a whole number and a unit d, h, m or s (e.g. 30d, 12h, 2m), from 1s to 3650d';

/** Whole seconds, or null when `text` is not a duration in range. */
export function parseDuration(text: string): number | null {
  const match = FORMAT.exec(text.trim());
  if (!match) return null;
  const seconds = Number(match[1]) * UNITS[match[2]];
  return seconds >= 1 && seconds <= MAX_DURATION_SECONDS ? seconds : null;
}

/** The largest unit that writes `seconds` exactly: 604800 → `7d`, 120 → `2m`, 90 → `90s`. */
export function formatDuration(seconds: number): string {
  for (const [unit, size] of Object.entries(UNITS)) if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}
