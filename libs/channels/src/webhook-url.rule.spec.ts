import { describe, expect, it } from '@jest/globals';
import { checkWebhookUrl, normalWebhookUrl, webhookUrlProblem } from './webhook-url.rule.js';

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
    [
      `https://client.example.com/${'é'.repeat(400)}`,
      false,
      'must be at most 2048 characters once normalised (percent-encoded)',
    ],
  ])('%s (http allowed: %s) → %s', (url, allowHttp, expected) => {
    expect(webhookUrlProblem(url, allowHttp)).toBe(expected);
  });
});

describe('checkWebhookUrl', () => {
  it.each([
    ['  HTTPS://Client.Example.COM:443/a/../chat?q=a b  ', 'https://client.example.com/chat?q=a%20b'],
    ['\thttps://client.example.com/hooks/\n', 'https://client.example.com/hooks/'],
    ['https://client.example.com', 'https://client.example.com/'],
    ['https://bücher.example/x', 'https://xn--bcher-kva.example/x'],
    ['https://client.example.com/a%20b?k=1#frag', 'https://client.example.com/a%20b?k=1#frag'],
  ])('normalises %j to %j', (input, href) => {
    expect(checkWebhookUrl(input, false)).toEqual({ url: href, problem: null });
    expect(normalWebhookUrl(input)).toBe(href);
  });
});
