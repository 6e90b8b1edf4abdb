import { describe, expect, it, jest } from '@jest/globals';
import { DatabaseOutage, isDatabaseUnreachable } from './database-outage.js';

function outage(): { outage: DatabaseOutage; warn: jest.Mock; log: jest.Mock } {
  const subject = new DatabaseOutage();
  const warn = jest.fn();
  const log = jest.fn();
  Object.assign((subject as unknown as { logger: object }).logger, { warn, log });
  return { outage: subject, warn, log };
}

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('isDatabaseUnreachable', () => {
  it('knows connection failures, shutdowns and wrapped driver errors from a query that went wrong', () => {
    expect(isDatabaseUnreachable(refused)).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(true);
    expect(isDatabaseUnreachable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnreachable({ message: 'query failed', driverError: refused })).toBe(true);
    expect(isDatabaseUnreachable(new AggregateError([refused], ''))).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isDatabaseUnreachable(new Error('syntax error'))).toBe(false);
    expect(isDatabaseUnreachable(undefined)).toBe(false);
  });
});

describe('DatabaseOutage', () => {
  it('tells an outage once at warn with its reason, backs off doubling to 5 s, and tells the return once at info', () => {
    const { outage: subject, warn, log } = outage();
    expect(subject.failed(new Error('syntax error'), 0)).toBe(false);
    expect(warn).not.toHaveBeenCalled();

    expect(subject.failed(refused, 1_000)).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toEqual({ reason: 'connect ECONNREFUSED 127.0.0.1:5432' });
    expect(subject.mayTry(1_100)).toBe(false);
    expect(subject.mayTry(1_250)).toBe(true);
    const waits: number[] = [];
    let now = 1_250;
    for (let n = 0; n < 8; n += 1) {
      subject.failed(refused, now);
      let next = now;
      while (!subject.mayTry(next)) next += 50;
      waits.push(next - now);
      now = next;
    }
    expect(waits).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000, 5000]);
    expect(warn).toHaveBeenCalledTimes(1);

    subject.answered(now + 2_000);
    subject.answered(now + 3_000);
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0][1])).toMatch(/^The database answers again, after \d+(\.\d)? s/);
    expect(subject.isDown).toBe(false);
    expect(subject.mayTry(now + 2_001)).toBe(true);
  });
});
