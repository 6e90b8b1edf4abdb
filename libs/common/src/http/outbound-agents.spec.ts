import { describe, expect, it } from '@jest/globals';
import { isLinkLocalAddress } from './outbound-agents.js';

describe('isLinkLocalAddress', () => {
  it.each([
    [new URL('http://169.254.169.254/').hostname, true],
    [new URL('http://2852039166/').hostname, true],
    [new URL('http://0251.0376.0251.0376/').hostname, true],
    [new URL('http://0xa9.0xfe.0xa9.0xfe/').hostname, true],
    [new URL('http://[::ffff:169.254.169.254]/').hostname, true],
    [new URL('http://[fe80::1]/').hostname, true],
    [new URL('http://127.0.0.1/').hostname, false],
    [new URL('http://[::1]/').hostname, false],
    [new URL('http://example.com/').hostname, false],
  ])('%s → %s', (host, expected) => {
    expect(isLinkLocalAddress(host)).toBe(expected);
  });
});
