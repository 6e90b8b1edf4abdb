import { describe, expect, it } from '@jest/globals';
import { redactRequestUrl, redactWebhookToken, redactingDestination } from './redact.js';

describe('redactWebhookToken', () => {
  it.each([
    ['/abcDEF_123-x/bot_api_webhook', '/[REDACTED]/bot_api_webhook'],
    ['http://h:3000/tok/bot_api_webhook?x=1', 'http://h:3000/[REDACTED]/bot_api_webhook?x=1'],
    [
      '{"url":"/t0k3n/bot_api_webhook","other":"/t0k3n/bot_api_webhook"}',
      '{"url":"/[REDACTED]/bot_api_webhook","other":"/[REDACTED]/bot_api_webhook"}',
    ],
  ])('redacts %s', (input, expected) => {
    expect(redactWebhookToken(input)).toBe(expected);
  });

  it('leaves the route template and other paths alone', () => {
    expect(redactWebhookToken('{"route":"/:token/bot_api_webhook"}')).toBe('{"route":"/:token/bot_api_webhook"}');
    expect(redactWebhookToken('/api/v1/channels/5/rotate-token')).toBe('/api/v1/channels/5/rotate-token');
  });

  it('redacts every line written through the destination', () => {
    const lines: string[] = [];
    redactingDestination({ write: (line) => lines.push(line) }).write('{"msg":"GET /secret-token/bot_api_webhook"}\n');
    expect(lines).toEqual(['{"msg":"GET /[REDACTED]/bot_api_webhook"}\n']);
  });
});

describe('redactRequestUrl', () => {
  const token = 'Qk3x9_vBn2-LmP0aZ8yTq4WcE1rUj6HsDf7gKo5iNtA';

  it.each([
    [`/${token}/bot_api_hook`, '/[REDACTED]/bot_api_hook'],
    [`/${token}/BOT_API_WEBHOOK`, '/[REDACTED]/BOT_API_WEBHOOK'],
    [`/${token}`, '/[REDACTED]'],
    [`/${token}/send_message`, '/[REDACTED]/send_message'],
    [`/${token}%2Fbot_api_webhook`, '/[REDACTED]'],
    [`/api/v1/channels?key=csk_${token}`, '/api/v1/channels?key=[REDACTED]'],
    [`/api/v1/channels?limit=5&cursor=abc#frag`, '/api/v1/channels?limit=[REDACTED]&cursor=[REDACTED]'],
    [`/x?${token}`, '/x?[REDACTED]=[REDACTED]'],
    ['/health/ready?verbose', '/health/ready?verbose'],
  ])('%s is logged as %s', (url, expected) => {
    expect(redactRequestUrl(url)).toBe(expected);
  });

  it('keeps short segments and UUIDs, which are ids, not secrets', () => {
    const url = '/api/v1/channels/0196a3b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b/rotate-token';
    expect(redactRequestUrl(url)).toBe(url);
  });

  it('bounds what a huge URL can put in a line', () => {
    expect(redactRequestUrl(`/${'a/'.repeat(2000)}`).length).toBeLessThanOrEqual(513);
  });
});

describe('redactingDestination with known secrets', () => {
  it('scrubs the operator token from any line, as written and as JSON escapes it', () => {
    const lines: string[] = [];
    const secret = 'op"token\\with-escapes-0123';
    const destination = redactingDestination({ write: (line) => lines.push(line) }, [secret, 'short']);
    destination.write(`${JSON.stringify({ msg: `peer said ${secret}` })}\n`);
    destination.write('plain op"token\\with-escapes-0123 and a short word\n');
    expect(lines.join('')).not.toContain('with-escapes-0123');
    expect(lines[1]).toBe('plain [REDACTED] and a short word\n');
  });
});
