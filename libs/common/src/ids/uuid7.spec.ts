import { describe, expect, it } from '@jest/globals';
import { uuid7 } from './uuid7.js';

describe('uuid7', () => {
  it('is a version 7, variant 10 UUID carrying the millisecond timestamp', () => {
    const id = uuid7(Date.UTC(2026, 10, 24));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThanOrEqual(Date.UTC(2026, 10, 24));
  });

  it('only grows, as PostgreSQL compares uuids, even for thousands of ids in one millisecond', () => {
    const now = Date.now() + 60_000;
    const ids = Array.from({ length: 10_000 }, () => uuid7(now));
    const sorted = [...ids].sort();
    expect(sorted).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('never goes back when the clock does', () => {
    const later = uuid7(Date.now() + 120_000);
    const earlier = uuid7(Date.now());
    expect(earlier > later).toBe(true);
  });
});
