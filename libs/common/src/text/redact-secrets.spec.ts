import { describe, expect, it } from '@jest/globals';
import { asSentInHeader, redactSecrets } from './redact-secrets.js';
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

  it('finds the forms other stacks echo: strict percent-encoding, Go JSON escapes, HTML entities', () => {
    const secret = "s3cr3t<tok>&x'(y)!~";
    const echoes = [
      new URLSearchParams({ got: secret }).toString(),
      `{"got":"s3cr3t\\u003ctok\\u003e\\u0026x\\u0027(y)!~"}`,
      `<p>got s3cr3t&lt;tok&gt;&amp;x&#39;(y)!~</p>`,
    ];
    for (const echo of echoes) expect(redactSecrets(echo, [secret])).not.toMatch(/s3cr3t/);
  });

  it('finds a token as an HTTP header carried it, when the stored one had spaces or line breaks', () => {
    expect(asSentInHeader(' old-token-123\n')).toBe('old-token-123');
    expect(redactSecrets('401: got Token old-token-123', [' old-token-123\n'])).toBe('401: got Token [REDACTED]');
  });
});
