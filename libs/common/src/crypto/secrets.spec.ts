import { describe, expect, it } from '@jest/globals';
import { constantTimeEquals, decryptSecret, encryptSecret, randomToken, sha256 } from './secrets.js';

const key = Buffer.alloc(32, 3);

describe('secrets', () => {
  it('round-trips through AES-256-GCM with a fresh IV each time', () => {
    const a = encryptSecret('client-token', key);
    const b = encryptSecret('client-token', key);
    expect(a).not.toBe(b);
    expect(a).not.toContain('client-token');
    expect(decryptSecret(a, key)).toBe('client-token');
  });

  it('refuses a wrong key or a tampered ciphertext', () => {
    const sealed = encryptSecret('client-token', key);
    expect(() => decryptSecret(sealed, Buffer.alloc(32, 4))).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => decryptSecret(parts.join('.'), key)).toThrow();
    expect(() => decryptSecret('plain', key)).toThrow('Unrecognised encrypted secret format');
  });

  it('makes URL-safe tokens with at least 128 bits of randomness', () => {
    const token = randomToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(Array.from({ length: 100 }, () => randomToken())).size).toBe(100);
  });

  it('compares secrets by digest', () => {
    expect(constantTimeEquals('abc', 'abc')).toBe(true);
    expect(constantTimeEquals('abc', 'abcd')).toBe(false);
    expect(sha256('x')).toHaveLength(32);
  });
});
