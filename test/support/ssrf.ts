import { createServer } from 'node:net';

/** A destination: its name, its URL (`port`: a listener's) and the lastError the guard records for it. */
export type BlockedDestination = [name: string, url: (port: number) => string, lastError: string];

const policy = (rule: string): string => `Blocked by the outbound network policy: ${rule}`;

/** Destinations the SSRF guard must refuse with private networks disallowed, in every notation. */
export const BLOCKED_DESTINATIONS: BlockedDestination[] = [
  ['127.0.0.1', (port) => `http://127.0.0.1:${port}/hooks`, policy('127.0.0.1 is a loopback address')],
  ['localhost', (port) => `http://localhost:${port}/hooks`, policy('localhost resolves to a loopback address')],
  ['2130706433 (decimal)', (port) => `http://2130706433:${port}/hooks`, policy('127.0.0.1 is a loopback address')],
  ['017700000001 (octal)', (port) => `http://017700000001:${port}/hooks`, policy('127.0.0.1 is a loopback address')],
  ['0x7f.1 (hex, short)', (port) => `http://0x7f.1:${port}/hooks`, policy('127.0.0.1 is a loopback address')],
  [
    '[::ffff:127.0.0.1] (IPv4-mapped IPv6)',
    (port) => `http://[::ffff:127.0.0.1]:${port}/hooks`,
    policy('[::ffff:7f00:1] is a loopback address'),
  ],
  [
    '[::ffff:7f00:1] (IPv4-mapped IPv6, hex)',
    (port) => `http://[::ffff:7f00:1]:${port}/hooks`,
    policy('[::ffff:7f00:1] is a loopback address'),
  ],
  [
    '[::127.0.0.1] (IPv4-compatible IPv6)',
    (port) => `http://[::127.0.0.1]:${port}/hooks`,
    policy('[::7f00:1] is a loopback address'),
  ],
  [
    '[::7f00:1] (IPv4-compatible IPv6, hex)',
    (port) => `http://[::7f00:1]:${port}/hooks`,
    policy('[::7f00:1] is a loopback address'),
  ],
  ['[::1]', (port) => `http://[::1]:${port}/hooks`, policy('[::1] is a loopback address')],
  ['0.0.0.0', (port) => `http://0.0.0.0:${port}/hooks`, policy('0.0.0.0 is an unspecified address')],
  ['[::]', (port) => `http://[::]:${port}/hooks`, policy('[::] is an unspecified address')],
  [
    '169.254.169.254 (link-local)',
    () => 'http://169.254.169.254/latest/meta-data',
    policy('169.254.169.254 is a cloud metadata address'),
  ],
  [
    '[fe80::1] (link-local IPv6)',
    (port) => `http://[fe80::1]:${port}/hooks`,
    policy('[fe80::1] is a link-local address'),
  ],
  ['10.0.0.1 (private)', (port) => `http://10.0.0.1:${port}/hooks`, policy('10.0.0.1 is a private address')],
];

/** Cloud metadata services and link-local space: refused in every mode, private networks allowed or not. */
export const METADATA_DESTINATIONS: BlockedDestination[] = [
  [
    '169.254.169.254 (AWS, GCP, Azure, …)',
    () => 'http://169.254.169.254/latest/meta-data',
    policy('169.254.169.254 is a cloud metadata address'),
  ],
  [
    '[fd00:ec2::254] (AWS IMDS over IPv6)',
    () => 'http://[fd00:ec2::254]/latest/meta-data',
    policy('[fd00:ec2::254] is a cloud metadata address'),
  ],
  [
    '100.100.100.200 (Alibaba Cloud)',
    () => 'http://100.100.100.200/latest/meta-data',
    policy('100.100.100.200 is a cloud metadata address'),
  ],
  [
    '[::169.254.169.254] (IPv4-compatible IPv6)',
    () => 'http://[::169.254.169.254]/latest/meta-data',
    policy('[::a9fe:a9fe] is a cloud metadata address'),
  ],
  [
    '[::ffff:169.254.169.254] (IPv4-mapped IPv6)',
    () => 'http://[::ffff:169.254.169.254]/latest/meta-data',
    policy('[::ffff:a9fe:a9fe] is a cloud metadata address'),
  ],
  [
    '[::ffff:a9fe:a9fe] (IPv4-mapped IPv6, hex)',
    () => 'http://[::ffff:a9fe:a9fe]/latest/meta-data',
    policy('[::ffff:a9fe:a9fe] is a cloud metadata address'),
  ],
  [
    '169.254.1.1 (link-local)',
    (port) => `http://169.254.1.1:${port}/hooks`,
    policy('169.254.1.1 is a link-local address'),
  ],
  [
    '[fe80::1] (link-local IPv6)',
    (port) => `http://[fe80::1]:${port}/hooks`,
    policy('[fe80::1] is a link-local address'),
  ],
];

export interface ConnectionCounter {
  port: number;
  connections(): number;
  close(): Promise<void>;
}

/** A TCP listener on every local address that counts the connections it gets and drops them. */
export async function startConnectionCounter(): Promise<ConnectionCounter> {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '::', resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
