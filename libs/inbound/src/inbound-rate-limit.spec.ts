import { describe, expect, it } from '@jest/globals';
import { TokenBuckets } from './inbound-rate-limit.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('TokenBuckets', () => {
  it('takes a full burst at once, then refuses with the seconds until the next token', () => {
    const time = clock();
    const buckets = new TokenBuckets(time.now);
    const limit = { perSecond: 2, burst: 5 };
    for (let n = 0; n < 5; n += 1) expect(buckets.take('a', limit)).toBeNull();
    expect(buckets.take('a', limit)).toEqual({ retryAfterSeconds: 1, limit });
    time.advance(499);
    expect(buckets.take('a', limit)).not.toBeNull();
    time.advance(1);
    expect(buckets.take('a', limit)).toBeNull();
  });

  it('refills at the sustained rate, never past the burst', () => {
    const time = clock();
    const buckets = new TokenBuckets(time.now);
    const limit = { perSecond: 10, burst: 3 };
    for (let n = 0; n < 3; n += 1) buckets.take('a', limit);
    time.advance(10_000);
    let taken = 0;
    while (buckets.take('a', limit) === null) taken += 1;
    expect(taken).toBe(3);
  });

  it('sustains the rate over time: 100 per second for 10 s takes 1,000 plus the burst', () => {
    const time = clock();
    const buckets = new TokenBuckets(time.now);
    const limit = { perSecond: 100, burst: 50 };
    let taken = 0;
    for (let ms = 0; ms < 10_000; ms += 1) {
      // Four posts every millisecond: forty times the limit.
      for (let k = 0; k < 4; k += 1) if (buckets.take('a', limit) === null) taken += 1;
      time.advance(1);
    }
    expect(taken).toBeGreaterThanOrEqual(1049);
    expect(taken).toBeLessThanOrEqual(1050);
  });

  it('keeps channels apart: one channel out of tokens costs another nothing', () => {
    const buckets = new TokenBuckets(clock().now);
    const limit = { perSecond: 1, burst: 1 };
    expect(buckets.take('a', limit)).toBeNull();
    expect(buckets.take('a', limit)).not.toBeNull();
    expect(buckets.take('b', limit)).toBeNull();
  });

  it('says how long until a token comes back at a slow rate', () => {
    const buckets = new TokenBuckets(clock().now);
    const limit = { perSecond: 1, burst: 1 };
    buckets.take('a', { perSecond: 1, burst: 1 });
    expect(buckets.take('a', { perSecond: 0.25 as number, burst: 1 })?.retryAfterSeconds).toBe(4);
    expect(buckets.take('a', limit)?.retryAfterSeconds).toBe(1);
  });

  it('applies a changed limit at once and forgets buckets idle for a minute', () => {
    const time = clock();
    const buckets = new TokenBuckets(time.now);
    expect(buckets.take('a', { perSecond: 1, burst: 1 })).toBeNull();
    expect(buckets.take('a', { perSecond: 1, burst: 1 })).not.toBeNull();
    time.advance(1000);
    expect(buckets.take('a', { perSecond: 1000, burst: 1000 })).toBeNull();
    expect(buckets.take('a', { perSecond: 1000, burst: 1000 })).toBeNull();
    time.advance(60_000);
    buckets.take('b', { perSecond: 1, burst: 1 });
    expect(buckets.size).toBe(1);
  });
});
