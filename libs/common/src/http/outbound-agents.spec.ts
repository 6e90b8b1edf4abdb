import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { peerDispatcher, policyLookup, type LookupFunction } from './outbound-agents.js';

/** A resolver that answers every name with `addresses`: the DNS answers a hostile name could have. */
const answering =
  (...addresses: string[]) =>
  (
    _hostname: string,
    _options: LookupOptions,
    callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
  ): void =>
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

function lookup(
  fn: LookupFunction,
  hostname: string,
  options: LookupOptions,
): Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }> {
  return new Promise((resolve) =>
    fn(hostname, options, (error, address, family) => resolve({ error, address, family })),
  );
}

describe('policyLookup', () => {
  it('passes ordinary answers through in both callback forms', async () => {
    const real = policyLookup(true);
    expect(await lookup(real, 'localhost', { family: 4 })).toEqual({ error: null, address: '127.0.0.1', family: 4 });
    expect(await lookup(real, 'localhost', { family: 4, all: true })).toMatchObject({
      error: null,
      address: [{ address: '127.0.0.1', family: 4 }],
    });
    const publicName = policyLookup(false, answering('93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'));
    expect(await lookup(publicName, 'example.com', {})).toEqual({ error: null, address: '93.184.215.14', family: 4 });
  });

  it('refuses localhost when private networks are not allowed, naming the rule and not the address', async () => {
    const { error } = await lookup(policyLookup(false), 'localhost', {});
    expect(error).toMatchObject({ code: 'EADDRBLOCKED', message: 'localhost resolves to a loopback address' });
    expect(error?.message).not.toMatch(/127\.0\.0\.1|::1/);
  });

  it.each([
    ['metadata.internal', ['169.254.169.254'], true, 'metadata.internal resolves to a cloud metadata address'],
    ['imds.internal', ['fd00:ec2::254'], true, 'imds.internal resolves to a cloud metadata address'],
    ['mapped.example', ['::ffff:169.254.169.254'], true, 'mapped.example resolves to a cloud metadata address'],
    ['compat.example', ['::a9fe:a9fe'], true, 'compat.example resolves to a cloud metadata address'],
    ['alibaba.example', ['100.100.100.200'], true, 'alibaba.example resolves to a cloud metadata address'],
    ['ll.example', ['fe80::1%eth0'], true, 'll.example resolves to a link-local address'],
    ['zero.example', ['0.0.0.0'], true, 'zero.example resolves to an unspecified address'],
    ['mixed.example', ['93.184.215.14', '::7f00:1'], false, 'mixed.example resolves to a loopback address'],
    ['mapped-lo.example', ['::ffff:7f00:1'], false, 'mapped-lo.example resolves to a loopback address'],
    ['intranet.corp', ['10.20.30.40'], false, 'intranet.corp resolves to a private address'],
  ])('%s → %j (private networks allowed: %s) is refused', async (hostname, addresses, allowPrivate, message) => {
    const { error, address } = await lookup(policyLookup(allowPrivate, answering(...addresses)), hostname, {});
    expect(error).toMatchObject({ code: 'EADDRBLOCKED', message });
    expect(address).toEqual([]);
  });

  it('lets private answers through when private networks are allowed', async () => {
    const fn = policyLookup(true, answering('10.20.30.40', '::ffff:7f00:1'));
    expect(await lookup(fn, 'intranet.corp', { all: true })).toMatchObject({
      error: null,
      address: [
        { address: '10.20.30.40', family: 4 },
        { address: '::ffff:7f00:1', family: 6 },
      ],
    });
  });
});

describe('peerDispatcher', () => {
  let server: Server;
  let port: number;
  let connections = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => res.end('ok'));
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '::', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function get(url: string, allowPrivateNetworks: boolean | null): Promise<string> {
    const dispatcher = peerDispatcher({ allowPrivateNetworks, connectTimeoutMs: 1_000, connections: 4 });
    try {
      const response = await request(url, { dispatcher });
      await response.body.dump();
      return String(response.statusCode);
    } finally {
      await dispatcher.destroy();
    }
  }

  it.each([
    ['http://127.0.0.1', '127.0.0.1 is a loopback address'],
    ['http://[::1]', '[::1] is a loopback address'],
    ['http://[::ffff:7f00:1]', '[::ffff:7f00:1] is a loopback address'],
    ['http://[::7f00:1]', '[::7f00:1] is a loopback address'],
    ['http://localhost', 'localhost resolves to a loopback address'],
  ])('with private networks disallowed, %s is refused before any connection', async (base, message) => {
    const before = connections;
    await expect(get(`${base}:${port}/`, false)).rejects.toMatchObject({ code: 'EADDRBLOCKED', message });
    expect(connections).toBe(before);
  });

  it('with private networks allowed, loopback is reached; link-local and unspecified are still refused', async () => {
    expect(await get(`http://127.0.0.1:${port}/`, true)).toBe('200');
    expect(await get(`http://localhost:${port}/`, true)).toBe('200');
    const before = connections;
    await expect(get(`http://0.0.0.0:${port}/`, true)).rejects.toMatchObject({
      message: '0.0.0.0 is an unspecified address',
    });
    await expect(get(`http://[::ffff:169.254.169.254]:${port}/`, true)).rejects.toMatchObject({
      message: '[::ffff:a9fe:a9fe] is a cloud metadata address',
    });
    expect(connections).toBe(before);
  });

  it('without address rules (the Agent runtime), any address is reached', async () => {
    expect(await get(`http://127.0.0.1:${port}/`, null)).toBe('200');
    expect(await get(`http://[::1]:${port}/`, null)).toBe('200');
  });
});
