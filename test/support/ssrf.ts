import { createServer } from 'node:net';

/** Destinations the SSRF guard must refuse with private networks disallowed, in every notation; `port`: a listener's. */
export const BLOCKED_DESTINATIONS: [name: string, url: (port: number) => string][] = [
  ['127.0.0.1', (port) => `http://127.0.0.1:${port}/hooks`],
  ['localhost', (port) => `http://localhost:${port}/hooks`],
  ['2130706433 (decimal)', (port) => `http://2130706433:${port}/hooks`],
  ['017700000001 (octal)', (port) => `http://017700000001:${port}/hooks`],
  ['0x7f.1 (hex, short)', (port) => `http://0x7f.1:${port}/hooks`],
  ['[::ffff:127.0.0.1] (IPv4-mapped IPv6)', (port) => `http://[::ffff:127.0.0.1]:${port}/hooks`],
  ['[::1]', (port) => `http://[::1]:${port}/hooks`],
  ['0.0.0.0', (port) => `http://0.0.0.0:${port}/hooks`],
  ['169.254.169.254 (link-local)', () => 'http://169.254.169.254/latest/meta-data'],
  ['[fe80::1] (link-local IPv6)', (port) => `http://[fe80::1]:${port}/hooks`],
  ['10.0.0.1 (private)', (port) => `http://10.0.0.1:${port}/hooks`],
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
