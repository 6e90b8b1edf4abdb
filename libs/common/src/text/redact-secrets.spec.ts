import { describe, expect, it } from '@jest/globals';
import { redactSecrets } from './redact-secrets.js';
import { wellFormedExcerpt } from './well-formed.js';

const SECRET = 'WHT/echo+secret=01 23';

describe('redactSecrets', () => {
  it.each([
    ['as sent', `got Token ${SECRET}`],
    ['URL-encoded', `got ${encodeURIComponent(SECRET)}`],
    ['URL-encoded, lower-case escapes', `got ${encodeURIComponent(SECRET).toLowerCase().replace('wht', 'WHT')}`],
    ['form-encoded', `got ${encodeURIComponent(SECRET).replaceAll('%20', '+')}`],
    ['JSON-escaped, slashes too', `{"got":"${SECRET.replace('/', '\\/')}"}`],
    ['base64', `got ${Buffer.from(SECRET).toString('base64')}`],
    ['base64url', `got ${Buffer.from(SECRET).toString('base64url')}`],
  ])('redacts a secret echoed %s', (_form, text) => {
    const redacted = redactSecrets(text, [SECRET]);
    expect(redacted).toContain('[REDACTED]');
    expect(redacted).not.toContain('WHT');
  });

  it('redacts every secret given, every time it appears, and skips the absent ones', () => {
    expect(redactSecrets('a=tok-1 b=admin-token c=tok-1', ['tok-1', null, undefined, '', 'admin-token'])).toBe(
      'a=[REDACTED] b=[REDACTED] c=[REDACTED]',
    );
    expect(redactSecrets('nothing to hide', ['tok-1'])).toBe('nothing to hide');
  });

  it('redacting before the cut leaves no prefix of a secret that straddles it', () => {
    const body = `${'x'.repeat(289)} ${SECRET} trailing`;
    expect(wellFormedExcerpt(body)).toContain(SECRET.slice(0, 9));
    const excerpt = wellFormedExcerpt(redactSecrets(body, [SECRET]));
    expect(excerpt).toBe(`${'x'.repeat(289)} [REDACTED]…`);
    expect(excerpt).not.toContain('WHT');
  });
});
