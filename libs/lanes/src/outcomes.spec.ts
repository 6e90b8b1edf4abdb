import { describe, expect, it } from '@jest/globals';
import { OutboundFailure } from '#common';
import {
  RETRY_AFTER_CAP_MS,
  decide,
  judgeAnswer,
  judgeFailure,
  nextRetryDelayMs,
  outcomeLabel,
  parseRetryAfter,
} from './outcomes.js';

describe('judgeAnswer (protocol section 2)', () => {
  it.each([200, 201, 202, 204, 299])('%i is delivered', (status) => {
    expect(judgeAnswer({ status, bodyExcerpt: '' })).toEqual({ outcome: 'success' });
  });

  it.each([408, 429, 500, 502, 503, 504, 599])('%i is retried, with the status and body on record', (status) => {
    expect(judgeAnswer({ status, bodyExcerpt: ' upstream\n down ' })).toEqual({
      outcome: 'retry',
      error: `HTTP ${status}: upstream down`,
      retryAfterMs: null,
    });
  });

  it.each([400, 401, 403, 404, 409, 410, 422])('%i fails at once', (status) => {
    expect(judgeAnswer({ status, bodyExcerpt: '{"error":"bad"}' })).toEqual({
      outcome: 'failed',
      error: `HTTP ${status}: {"error":"bad"}`,
    });
  });

  it.each([301, 302, 303, 307, 308])('%i fails at once and says redirects are not followed', (status) => {
    expect(judgeAnswer({ status, bodyExcerpt: '' })).toEqual({
      outcome: 'failed',
      error: `HTTP ${status} (redirects are not followed)`,
    });
  });

  it('bounds the body excerpt', () => {
    const verdict = judgeAnswer({ status: 500, bodyExcerpt: 'x'.repeat(5000) });
    expect(verdict.outcome === 'retry' && verdict.error.length).toBeLessThanOrEqual(320);
  });

  it('reads Retry-After in seconds and as an HTTP date', () => {
    const now = Date.parse('2026-11-24T10:00:00Z');
    expect(judgeAnswer({ status: 429, bodyExcerpt: '', retryAfter: '7' }, now)).toEqual({
      outcome: 'retry',
      error: 'HTTP 429',
      retryAfterMs: 7000,
    });
    expect(parseRetryAfter('Tue, 24 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
});

describe('judgeFailure', () => {
  it('retries network errors and timeouts, fails SSRF blocks at once', () => {
    expect(
      judgeFailure(new OutboundFailure('network', 'Network error ECONNREFUSED: connect ECONNREFUSED')),
    ).toMatchObject({ outcome: 'retry' });
    expect(
      judgeFailure(new OutboundFailure('timeout', 'Timed out after 10 s without a complete response')),
    ).toMatchObject({ outcome: 'retry' });
    expect(
      judgeFailure(new OutboundFailure('blocked', 'Blocked by the outbound network policy: 10.0.0.1 is a private IP')),
    ).toEqual({
      outcome: 'failed',
      error: 'Blocked by the outbound network policy: 10.0.0.1 is a private IP',
    });
  });
});

describe('nextRetryDelayMs', () => {
  const delays = [1000, 5000, 30000];

  it('follows the schedule, one delay per attempt, then stops', () => {
    const middle = (): number => 0.5;
    expect([1, 2, 3, 4].map((attempt) => nextRetryDelayMs(delays, attempt, null, middle))).toEqual([
      1000,
      5000,
      30000,
      null,
    ]);
    expect(nextRetryDelayMs([], 1, null, middle)).toBeNull();
  });

  it('jitters by ±20 %', () => {
    expect(nextRetryDelayMs(delays, 2, null, () => 0)).toBe(4000);
    expect(nextRetryDelayMs(delays, 2, null, () => 0.999999)).toBe(6000);
  });

  it('waits at least what Retry-After asks, up to the cap', () => {
    expect(nextRetryDelayMs(delays, 1, 20_000, () => 0.5)).toBe(20_000);
    expect(nextRetryDelayMs(delays, 3, 2_000, () => 0.5)).toBe(30_000);
    expect(nextRetryDelayMs(delays, 1, 10 * RETRY_AFTER_CAP_MS, () => 0.5)).toBe(RETRY_AFTER_CAP_MS);
  });
});

describe('decide: what an attempt means for its message and lane', () => {
  const delays = [1000, 5000];
  const now = 1_000_000;
  const middle = () => 0.5;

  it('success is success', () => {
    expect(decide({ outcome: 'success' }, 1, delays, now, middle)).toEqual({ outcome: 'success' });
  });

  it('a retryable failure is retried at the scheduled time while the schedule lasts, then failed', () => {
    const verdict = { outcome: 'retry' as const, error: 'HTTP 503', retryAfterMs: null };
    expect(decide(verdict, 1, delays, now, middle)).toEqual({
      outcome: 'retry',
      error: 'HTTP 503',
      retryAt: new Date(now + 1000),
    });
    expect(decide(verdict, 2, delays, now, middle)).toEqual({
      outcome: 'retry',
      error: 'HTTP 503',
      retryAt: new Date(now + 5000),
    });
    expect(decide(verdict, 3, delays, now, middle)).toEqual({ outcome: 'failed', error: 'HTTP 503' });
  });

  it('a held retry (its channel paused) outlives the schedule at its last delay, never failed', () => {
    const verdict = { outcome: 'retry' as const, error: 'HTTP 410', retryAfterMs: null, held: true };
    for (const attempts of [1, 2, 3, 50])
      expect(decide(verdict, attempts, delays, now, middle)).toEqual({
        outcome: 'retry',
        error: 'HTTP 410',
        retryAt: new Date(now + (attempts === 1 ? 1000 : 5000)),
      });
  });

  it('Retry-After pushes the retry later, never sooner', () => {
    expect(decide({ outcome: 'retry', error: 'HTTP 429', retryAfterMs: 60_000 }, 1, delays, now, middle)).toEqual({
      outcome: 'retry',
      error: 'HTTP 429',
      retryAt: new Date(now + 60_000),
    });
  });

  it('a final failure fails at once', () => {
    expect(decide({ outcome: 'failed', error: 'HTTP 400' }, 1, delays, now, middle)).toEqual({
      outcome: 'failed',
      error: 'HTTP 400',
    });
  });

  it('an error body cut at the excerpt limit never splits a surrogate pair', () => {
    const verdict = judgeAnswer({ status: 500, bodyExcerpt: `${'x'.repeat(299)}😀😀` });
    const error = verdict.outcome === 'retry' ? verdict.error : '';
    expect(error).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(error.endsWith('x😀…')).toBe(true);
  });
});

describe('the skipped outcome (an action the channel stopped accepting)', () => {
  it('passes decide unchanged and is counted as skipped', () => {
    const verdict = { outcome: 'skipped', error: 'Not sent' } as const;
    expect(decide(verdict, 1, [100])).toEqual(verdict);
    expect(outcomeLabel('send', 'skipped')).toBe('skipped');
  });
});
