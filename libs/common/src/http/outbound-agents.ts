import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  RequestFilteringHttpAgent,
  RequestFilteringHttpsAgent,
  type RequestFilteringAgentOptions,
} from 'request-filtering-agent';

export const CONNECT_TIMEOUT_CODE = 'ECONNECT_TIMEOUT';

function ipv4FromMapped(address: string): string | null {
  const dotted = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (dotted) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return null;
  const high = parseInt(hex[1], 16);
  const low = parseInt(hex[2], 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** For IP literals as the WHATWG URL parser normalises them (decimal, octal and hex forms become dotted). */
export function isLinkLocalAddress(host: string): boolean {
  const address = host.replace(/^\[|\]$/g, '');
  const v4 = isIP(address) === 4 ? address : ipv4FromMapped(address);
  if (v4) return v4.startsWith('169.254.');
  return isIP(address) === 6 && /^fe[89ab][0-9a-f]:/i.test(address);
}

/** Adds a connect timeout: the request timeout alone would let a black-holed SYN eat the whole budget. */
function withConnectTimeout(socket: Duplex | Socket, timeoutMs: number): Duplex | Socket {
  const net = socket as Socket;
  if (!net.connecting) return socket;
  const timer = setTimeout(() => {
    net.destroy(
      Object.assign(new Error(`Connection not established within ${timeoutMs} ms`), { code: CONNECT_TIMEOUT_CODE }),
    );
  }, timeoutMs);
  const clear = (): void => clearTimeout(timer);
  net.once('connect', clear);
  net.once('close', clear);
  return socket;
}

export interface OutboundAgentOptions {
  allowPrivateNetworks: boolean;
  connectTimeoutMs: number;
}

function filterOptions(options: OutboundAgentOptions): RequestFilteringAgentOptions {
  return { allowPrivateIPAddress: options.allowPrivateNetworks, allowMetaIPAddress: false };
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Link-local space (169.254.0.0/16, fe80::/10), where cloud metadata services live, stays blocked even when
 * private networks are allowed. request-filtering-agent wraps this lookup with its own checks; IP literals
 * never get here, so OutboundHttpClient checks those before connecting.
 */
export function linkLocalBlockingLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const blocked = addresses.find((entry) => isLinkLocalAddress(entry.address));
    if (blocked) {
      return callback(
        Object.assign(new Error(`DNS lookup ${blocked.address} is not allowed. Because, It is a link-local address.`), {
          code: 'EADDRBLOCKED',
        }),
        [],
      );
    }
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
}

type ConnectOptions = Parameters<RequestFilteringHttpAgent['createConnection']>[0];
type ConnectListener = Parameters<RequestFilteringHttpAgent['createConnection']>[1];

export class OutboundHttpAgent extends RequestFilteringHttpAgent {
  constructor(private readonly outbound: OutboundAgentOptions) {
    super({ keepAlive: true, maxSockets: 64, ...filterOptions(outbound) });
  }

  override createConnection(options: ConnectOptions, listener?: ConnectListener): Duplex | Socket {
    return withConnectTimeout(
      super.createConnection({ ...options, lookup: linkLocalBlockingLookup } as ConnectOptions, listener),
      this.outbound.connectTimeoutMs,
    );
  }
}

export class OutboundHttpsAgent extends RequestFilteringHttpsAgent {
  constructor(private readonly outbound: OutboundAgentOptions) {
    super({ keepAlive: true, maxSockets: 64, ...filterOptions(outbound) });
  }

  override createConnection(options: ConnectOptions, listener?: ConnectListener): Duplex | Socket {
    return withConnectTimeout(
      super.createConnection({ ...options, lookup: linkLocalBlockingLookup } as ConnectOptions, listener),
      this.outbound.connectTimeoutMs,
    );
  }
}
