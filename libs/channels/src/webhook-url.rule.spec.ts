import { describe, expect, it } from '@jest/globals';
import { webhookUrlProblem } from './webhook-url.rule.js';

describe('webhookUrlProblem', () => {
  it.each([
    ['https://client.example.com/chat', false, null],
    ['https://client.example.com/chat?k=1', false, null],
    ['http://client.example.com/chat', true, null],
    ['http://client.example.com/chat', false, 'must be an absolute https URL'],
    ['ftp://client.example.com', true, 'must be an absolute http or https URL'],
    ['/relative/path', false, 'must be an absolute https URL'],
    ['client.example.com', true, 'must be an absolute http or https URL'],
    [
      'https://user:pass@client.example.com/',
      false,
      'must not contain user info (user:password@); use webhookToken for credentials',
    ],
    [
      'https://user@client.example.com/',
      false,
      'must not contain user info (user:password@); use webhookToken for credentials',
    ],
    [`https://client.example.com/${'a'.repeat(2030)}`, false, 'must be at most 2048 characters'],
  ])('%s (http allowed: %s) → %s', (url, allowHttp, expected) => {
    expect(webhookUrlProblem(url, allowHttp)).toBe(expected);
  });
});
