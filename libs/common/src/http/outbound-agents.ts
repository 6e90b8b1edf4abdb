import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  RequestFilteringHttpAgent,
  RequestFilteringHttpsAgent,
  type RequestFilteringAgentOptions,
} from 'request-filtering-agent';
import { AddressBlockedError, refusedAddressRule } from './address-policy.js';

export const CONNECT_TIMEOUT_CODE = 'ECONNECT_TIMEOUT';

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
export type LookupFunction = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;
type Resolver = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A DNS lookup that refuses a name when any of its addresses is one the outbound network policy refuses, in any
 * notation (an IPv4-mapped or IPv4-compatible AAAA answer is judged by the IPv4 address it carries). The error
 * names the rule, not the address: an internal name's address is not shown to whoever set the webhook URL.
 * request-filtering-agent wraps this lookup with its own, narrower check.
 */
export function policyLookup(allowPrivateNetworks: boolean, resolve: Resolver = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      for (const entry of addresses) {
        const rule = refusedAddressRule(entry.address, allowPrivateNetworks);
        if (rule) return callback(new AddressBlockedError(hostname, rule, true), []);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

type ConnectOptions = Parameters<RequestFilteringHttpAgent['createConnection']>[0];
type ConnectListener = Parameters<RequestFilteringHttpAgent['createConnection']>[1];
type CreateConnection = (options: ConnectOptions, listener?: ConnectListener) => Duplex | Socket;

/** A socket that fails at once, as request-filtering-agent answers a refused IP literal. */
function refusedSocket(error: Error, listener?: ConnectListener): Socket {
  const socket = new Socket();
  if (listener) listener(error, socket);
  else process.nextTick(() => socket.destroy(error));
  return socket;
}

/** IP literals never reach the lookup: they are judged here, before request-filtering-agent's narrower check. */
function connect(
  outbound: OutboundAgentOptions,
  lookup: LookupFunction,
  create: CreateConnection,
  options: ConnectOptions,
  listener?: ConnectListener,
): Duplex | Socket {
  const host = options.host ?? '';
  const rule = refusedAddressRule(host, outbound.allowPrivateNetworks);
  if (rule) return refusedSocket(new AddressBlockedError(host, rule, false), listener);
  return withConnectTimeout(create({ ...options, lookup } as ConnectOptions, listener), outbound.connectTimeoutMs);
}

export class OutboundHttpAgent extends RequestFilteringHttpAgent {
  private readonly lookup: LookupFunction;

  constructor(private readonly outbound: OutboundAgentOptions) {
    super({ keepAlive: true, maxSockets: 64, ...filterOptions(outbound) });
    this.lookup = policyLookup(outbound.allowPrivateNetworks);
  }

  override createConnection(options: ConnectOptions, listener?: ConnectListener): Duplex | Socket {
    return connect(this.outbound, this.lookup, (o, l) => super.createConnection(o, l), options, listener);
  }
}

export class OutboundHttpsAgent extends RequestFilteringHttpsAgent {
  private readonly lookup: LookupFunction;

  constructor(private readonly outbound: OutboundAgentOptions) {
    super({ keepAlive: true, maxSockets: 64, ...filterOptions(outbound) });
    this.lookup = policyLookup(outbound.allowPrivateNetworks);
  }

  override createConnection(options: ConnectOptions, listener?: ConnectListener): Duplex | Socket {
    return connect(this.outbound, this.lookup, (o, l) => super.createConnection(o, l), options, listener);
  }
}
