import { isIP } from 'node:net';

/** Why an address is not a public destination. */
export type AddressRule = 'metadata' | 'link-local' | 'unspecified' | 'loopback' | 'private' | 'reserved';

const DESCRIPTIONS: Record<AddressRule, string> = {
  metadata: 'a cloud metadata address',
  'link-local': 'a link-local address',
  unspecified: 'an unspecified address',
  loopback: 'a loopback address',
  private: 'a private address',
  reserved: 'a reserved address',
};

/** Refused whatever OUTBOUND_ALLOW_PRIVATE_NETWORKS says: no private network hosts a client server there. */
const ALWAYS_REFUSED: ReadonlySet<AddressRule> = new Set(['metadata', 'link-local', 'unspecified']);

/**
 * First match wins: the metadata services before the ranges that hold them. Every range the request-filtering-agent
 * library (ipaddr.js) calls non-unicast is here too (a unit test compares them).
 */
const IPV4_RANGES: [cidr: string, rule: AddressRule][] = [
  ['169.254.169.254/32', 'metadata'], // AWS, GCP, Azure, Oracle, DigitalOcean, OpenStack
  ['100.100.100.200/32', 'metadata'], // Alibaba Cloud
  ['168.63.129.16/32', 'metadata'], // Azure WireServer
  ['0.0.0.0/8', 'unspecified'], // 0.0.0.0 reaches this host
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'private'], // carrier-grade NAT
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'reserved'],
  ['192.88.99.0/24', 'reserved'],
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'reserved'],
  ['203.0.113.0/24', 'reserved'],
  ['192.175.48.0/24', 'reserved'], // AS112
  ['192.31.196.0/24', 'reserved'], // AS112
  ['192.52.193.0/24', 'reserved'], // AMT
  ['224.0.0.0/4', 'reserved'], // multicast
  ['240.0.0.0/4', 'reserved'], // broadcast included
];

const IPV6_RANGES: [cidr: string, rule: AddressRule][] = [
  ['fd00:ec2::254/128', 'metadata'], // AWS IMDS over IPv6
  ['fd20:ce::254/128', 'metadata'], // GCP metadata over IPv6
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fe80::/10', 'link-local'],
  ['fc00::/7', 'private'],
  ['fec0::/10', 'private'], // the deprecated site-local range
  ['ff00::/8', 'reserved'], // multicast
  ['2001::/23', 'reserved'], // IETF protocol assignments: Teredo, benchmarking, AMT, AS112, ORCHID
  ['2001:db8::/32', 'reserved'], // documentation
  ['3fff::/20', 'reserved'], // documentation
  ['2620:4f:8000::/48', 'reserved'], // AS112
  ['5f00::/16', 'reserved'], // segment routing
  ['100::/64', 'reserved'], // discard
  ['64:ff9b:1::/48', 'reserved'], // local-use NAT64
];

/**
 * IPv6 prefixes that carry an IPv4 address, with the hextet where it starts: such an address is judged by the IPv4
 * address it carries (`[::169.254.169.254]` is the metadata service), and otherwise is not a public destination.
 */
const IPV4_CARRIERS: [cidr: string, at: number][] = [
  ['::/96', 6], // IPv4-compatible, ::a.b.c.d
  ['::ffff:0:0/96', 6], // IPv4-mapped, ::ffff:a.b.c.d
  ['::ffff:0:0:0/96', 6], // IPv4-translated (SIIT)
  ['64:ff9b::/96', 6], // NAT64
  ['2002::/16', 1], // 6to4
];

function ipv4Value(dotted: string): number {
  return dotted.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

/** The eight hextets of a valid IPv6 address, in any notation (`::`, a dotted IPv4 tail, a zone). */
function hextetsOf(address: string): number[] {
  let text = address.replace(/%.*$/, '');
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = ipv4Value(dotted[2]);
    text = `${dotted[1]}${Math.floor(v4 / 0x10000).toString(16)}:${(v4 % 0x10000).toString(16)}`;
  }
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const [head, tail] = text.split('::');
  if (tail === undefined) return groups(head);
  const [before, after] = [groups(head), groups(tail)];
  return [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
}

function ipv4Matches(value: number, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(value / size) === Math.floor(ipv4Value(base) / size);
}

function ipv6Matches(hextets: number[], cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const prefix = hextetsOf(base);
  let bits = Number(bitsText);
  for (let index = 0; bits > 0; index += 1, bits -= 16) {
    const shift = Math.max(0, 16 - bits);
    if (hextets[index] >> shift !== prefix[index] >> shift) return false;
  }
  return true;
}

function ipv4Rule(value: number): AddressRule | null {
  return IPV4_RANGES.find(([cidr]) => ipv4Matches(value, cidr))?.[1] ?? null;
}

function ipv6Rule(hextets: number[]): AddressRule | null {
  const special = IPV6_RANGES.find(([cidr]) => ipv6Matches(hextets, cidr));
  if (special) return special[1];
  const carrier = IPV4_CARRIERS.find(([cidr]) => ipv6Matches(hextets, cidr));
  if (!carrier) return null;
  const at = carrier[1];
  return ipv4Rule(hextets[at] * 0x10000 + hextets[at + 1]) ?? 'reserved';
}

/** What an IP address is when it is not a public destination; null for a public address or a name. */
export function addressRule(address: string): AddressRule | null {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return ipv4Rule(ipv4Value(bare));
  if (family === 6) return ipv6Rule(hextetsOf(bare));
  return null;
}

/**
 * The rule that refuses `address` (an IP literal, bracketed or not, as the WHATWG URL parser normalises it, or a DNS
 * answer), or null when it may be connected to. Metadata, link-local and unspecified addresses are refused in every
 * mode; the rest of the non-public space only when private networks are not allowed.
 */
export function refusedAddressRule(address: string, allowPrivateNetworks: boolean): AddressRule | null {
  const rule = addressRule(address);
  if (rule === null) return null;
  return ALWAYS_REFUSED.has(rule) || !allowPrivateNetworks ? rule : null;
}

/** The sentence for a refused destination: the host as written and the rule, never the address a name resolved to. */
export function refusalReason(host: string, rule: AddressRule, resolved: boolean): string {
  const shown = isIP(host) === 6 ? `[${host}]` : host;
  return `${shown} ${resolved ? 'resolves to' : 'is'} ${DESCRIPTIONS[rule]}`;
}

export const ADDRESS_BLOCKED_CODE = 'EADDRBLOCKED';

/** A connection the outbound network policy refused; its message is safe to store and show. */
export class AddressBlockedError extends Error {
  readonly code = ADDRESS_BLOCKED_CODE;

  constructor(host: string, rule: AddressRule, resolved: boolean) {
    super(refusalReason(host, rule, resolved));
    this.name = 'AddressBlockedError';
  }
}
