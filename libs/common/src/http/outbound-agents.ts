import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent, type RequestFilteringAgentOptions } from 'request-filtering-agent';

/** Link-local space, where cloud metadata services live: blocked even when private networks are allowed. */
export const LINK_LOCAL_CIDRS = ['169.254.0.0/16', 'fe80::/10'];

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
    net.destroy(Object.assign(new Error(`Connection not established within ${timeoutMs} ms`), { code: CONNECT_TIMEOUT_CODE }));
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
  return { allowPrivateIPAddress: options.allowPrivateNetworks, allowMetaIPAddress: false, denyIPAddressList: LINK_LOCAL_CIDRS };
}

type ConnectOptions = Parameters<RequestFilteringHttpAgent['createConnection']>[0];
type ConnectListener = Parameters<RequestFilteringHttpAgent['createConnection']>[1];

export class OutboundHttpAgent extends RequestFilteringHttpAgent {
  constructor(private readonly outbound: OutboundAgentOptions) {
    super({ keepAlive: true, maxSockets: 64, ...filterOptions(outbound) });
  }

  override createConnection(options: ConnectOptions, listener?: ConnectListener): Duplex | Socket {
    return withConnectTimeout(super.createConnection(options, listener), this.outbound.connectTimeoutMs);
  }
}

export class OutboundHttpsAgent extends RequestFilteringHttpsAgent {
  constructor(private readonly outbound: OutboundAgentOptions) {
    super({ keepAlive: true, maxSockets: 64, ...filterOptions(outbound) });
  }

  override createConnection(options: ConnectOptions, listener?: ConnectListener): Duplex | Socket {
    return withConnectTimeout(super.createConnection(options, listener), this.outbound.connectTimeoutMs);
  }
}
