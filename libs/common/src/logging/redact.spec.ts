import { describe, expect, it } from '@jest/globals';
import { redactWebhookToken, redactingDestination } from './redact.js';

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
