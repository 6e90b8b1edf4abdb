import { describe, expect, it } from '@jest/globals';
import type { LookupAddress } from 'node:dns';
import { isLinkLocalAddress, linkLocalBlockingLookup } from './outbound-agents.js';

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

describe('linkLocalBlockingLookup', () => {
  it('passes ordinary answers through in both callback forms', async () => {
    const single = await new Promise<[string | LookupAddress[], number | undefined]>((resolve, reject) =>
      linkLocalBlockingLookup('localhost', { family: 4 }, (error, address, family) =>
        error ? reject(error) : resolve([address, family]),
      ),
    );
    expect(single).toEqual(['127.0.0.1', 4]);
    const all = await new Promise<string | LookupAddress[]>((resolve, reject) =>
      linkLocalBlockingLookup('localhost', { family: 4, all: true }, (error, address) =>
        error ? reject(error) : resolve(address),
      ),
    );
    expect(all).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });
});
