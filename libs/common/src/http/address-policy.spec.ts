import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { refusalReason, refusedAddressRule, type AddressRule } from './address-policy.js';

/** A URL's host as the WHATWG parser normalises it: what OutboundHttpClient judges before connecting. */
const host = (url: string): string => new URL(url).hostname;

describe('refusedAddressRule', () => {
  it.each<[string, AddressRule]>([
    [host('http://169.254.169.254/'), 'metadata'],
    [host('http://2852039166/'), 'metadata'],
    [host('http://0251.0376.0251.0376/'), 'metadata'],
    [host('http://0xa9.0xfe.0xa9.0xfe/'), 'metadata'],
    [host('http://[::ffff:169.254.169.254]/'), 'metadata'],
    [host('http://[::ffff:a9fe:a9fe]/'), 'metadata'],
    [host('http://[::169.254.169.254]/'), 'metadata'],
    [host('http://[0:0:0:0:0:0:a9fe:a9fe]/'), 'metadata'],
    [host('http://[::ffff:0:169.254.169.254]/'), 'metadata'],
    [host('http://[64:ff9b::169.254.169.254]/'), 'metadata'],
    [host('http://[2002:a9fe:a9fe::1]/'), 'metadata'],
    [host('http://[fd00:ec2::254]/'), 'metadata'],
    [host('http://[fd20:ce::254]/'), 'metadata'],
    [host('http://100.100.100.200/'), 'metadata'],
    [host('http://168.63.129.16/'), 'metadata'],
    [host('http://169.254.170.2/'), 'link-local'],
    [host('http://[fe80::1]/'), 'link-local'],
    [host('http://[febf::1]/'), 'link-local'],
    [host('http://[::ffff:169.254.1.1]/'), 'link-local'],
    [host('http://0.0.0.0/'), 'unspecified'],
    [host('http://0/'), 'unspecified'],
    [host('http://[::]/'), 'unspecified'],
    [host('http://[::ffff:0.0.0.0]/'), 'unspecified'],
  ])('%s is refused as %s in every mode', (address, rule) => {
    expect(refusedAddressRule(address, true)).toBe(rule);
    expect(refusedAddressRule(address, false)).toBe(rule);
  });

  it.each<[string, AddressRule]>([
    [host('http://127.0.0.1/'), 'loopback'],
    [host('http://127.8.9.10/'), 'loopback'],
    [host('http://2130706433/'), 'loopback'],
    [host('http://0x7f.1/'), 'loopback'],
    [host('http://[::1]/'), 'loopback'],
    [host('http://[0:0:0:0:0:0:0:1]/'), 'loopback'],
    [host('http://[::ffff:127.0.0.1]/'), 'loopback'],
    [host('http://[::ffff:7f00:1]/'), 'loopback'],
    [host('http://[::127.0.0.1]/'), 'loopback'],
    [host('http://[::7f00:1]/'), 'loopback'],
    [host('http://[::ffff:0:7f00:1]/'), 'loopback'],
    [host('http://[64:ff9b::7f00:1]/'), 'loopback'],
    [host('http://10.1.2.3/'), 'private'],
    [host('http://172.31.0.1/'), 'private'],
    [host('http://192.168.1.1/'), 'private'],
    [host('http://100.64.0.1/'), 'private'],
    [host('http://[fd12::1]/'), 'private'],
    [host('http://[::ffff:10.0.0.1]/'), 'private'],
    [host('http://224.0.0.1/'), 'reserved'],
    [host('http://255.255.255.255/'), 'reserved'],
    [host('http://[ff02::1]/'), 'reserved'],
    [host('http://[2001:db8::1]/'), 'reserved'],
    [host('http://[2001::1]/'), 'reserved'],
    [host('http://[::ffff:93.184.215.14]/'), 'reserved'],
  ])('%s is refused as %s only when private networks are not allowed', (address, rule) => {
    expect(refusedAddressRule(address, false)).toBe(rule);
    expect(refusedAddressRule(address, true)).toBeNull();
  });

  it.each([
    '93.184.215.14',
    '8.8.8.8',
    '100.128.0.1',
    '169.253.255.255',
    '2606:2800:21f:cb07:6820:80da:af6b:8b2c',
    '[2a00:1450:4001:82b::200e]',
    'example.com',
    'localhost',
  ])('%s is not refused by address (a name is judged by what it resolves to)', (address) => {
    expect(refusedAddressRule(address, false)).toBeNull();
    expect(refusedAddressRule(address, true)).toBeNull();
  });

  it('judges DNS answers in any notation, zone included', () => {
    expect(refusedAddressRule('::ffff:127.0.0.1', false)).toBe('loopback');
    expect(refusedAddressRule('::127.0.0.1', false)).toBe('loopback');
    expect(refusedAddressRule('0000:0000:0000:0000:0000:ffff:a9fe:a9fe', true)).toBe('metadata');
    expect(refusedAddressRule('fe80::1%eth0', true)).toBe('link-local');
  });
});

describe('the policy refuses at least what request-filtering-agent (a well-kept SSRF filter) refuses', () => {
  // ipaddr.js as request-filtering-agent itself resolves it (it may be nested under it, in another version); the
  // library is a devDependency kept for this comparison only.
  const fromLibrary = createRequire(createRequire(import.meta.url).resolve('request-filtering-agent'));
  const ipaddr = fromLibrary('ipaddr.js') as {
    parse(address: string): { range(): string };
    IPv4: { prototype: { SpecialRanges: Record<string, unknown> } };
    IPv6: { prototype: { SpecialRanges: Record<string, unknown> } };
  };
  type Range = [{ octets?: number[]; parts?: number[] }, number];
  /** A table entry is one range, or a list of them. */
  const rangesOf = (table: Record<string, unknown>): Range[] =>
    Object.values(table).flatMap((entry) => {
      const ranges = entry as Range | Range[];
      return Array.isArray(ranges[0]) ? (ranges as Range[]) : [ranges as Range];
    });

  /** An address inside `range`: its prefix bits, then random bits. */
  function inside([base, bits]: Range, random: number[]): string {
    const units = base.octets ?? (base.parts as number[]);
    const width = base.octets ? 8 : 16;
    const filled = units.map((unit, index) => {
      const kept = Math.min(width, Math.max(0, bits - index * width));
      const mask = (2 ** width - 1) ^ (2 ** (width - kept) - 1);
      return (unit & mask) | ((random[index] % 2 ** width) & ~mask & (2 ** width - 1));
    });
    return base.octets ? filled.join('.') : filled.map((unit) => unit.toString(16)).join(':');
  }

  const special = [...rangesOf(ipaddr.IPv4.prototype.SpecialRanges), ...rangesOf(ipaddr.IPv6.prototype.SpecialRanges)];

  it('every address its ipaddr.js calls non-unicast, our policy refuses', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...special),
        fc.array(fc.nat({ max: 0xffff }), { minLength: 8, maxLength: 8 }),
        (range, random) => {
          const address = inside(range, random);
          const libraryRange = ipaddr.parse(address).range();
          if (libraryRange !== 'unicast') expect(refusedAddressRule(address, false)).not.toBeNull();
          if (libraryRange === 'unspecified') expect(refusedAddressRule(address, true)).not.toBeNull();
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('what it leaves open: IPv4-compatible addresses, the IPv6 metadata service, Alibaba’s', () => {
    expect(ipaddr.parse('::7f00:1').range()).toBe('unicast');
    expect(ipaddr.parse('::a9fe:a9fe').range()).toBe('unicast');
    expect(refusedAddressRule('::7f00:1', false)).toBe('loopback');
    expect(refusedAddressRule('::a9fe:a9fe', true)).toBe('metadata');
    expect(refusedAddressRule('fd00:ec2::254', true)).toBe('metadata');
    expect(refusedAddressRule('100.100.100.200', true)).toBe('metadata');
  });
});

describe('refusalReason', () => {
  it('names the host as written and the rule, never the address a name resolved to', () => {
    expect(refusalReason('localhost', 'loopback', true)).toBe('localhost resolves to a loopback address');
    expect(refusalReason('::1', 'loopback', false)).toBe('[::1] is a loopback address');
    expect(refusalReason('[fd00:ec2::254]', 'metadata', false)).toBe('[fd00:ec2::254] is a cloud metadata address');
    expect(refusalReason('10.0.0.1', 'private', false)).toBe('10.0.0.1 is a private address');
  });
});
