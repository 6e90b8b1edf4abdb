import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent, buildConnector } from 'undici';
import { AddressBlockedError, refusedAddressRule } from './address-policy.js';

export const CONNECT_TIMEOUT_CODE = 'UND_ERR_CONNECT_TIMEOUT';

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

/** What a peer's connections may reach and how long connecting may take: a setting of the one HTTP client. */
export interface PeerPolicy {
  /**
   * The outbound network policy (client servers: an address a tenant typed): `false` refuses loopback and private
   * ranges, `true` allows them; metadata, link-local and unspecified addresses are refused either way. `null`: no
   * address rules (a Platform service the operator configured, such as the Agent runtime).
   */
  allowPrivateNetworks: boolean | null;
  connectTimeoutMs: number;
  /** Keep-alive connections per origin at most. */
  connections: number;
}

/**
 * A keep-alive connection pool (undici) for one kind of peer. Under an address policy, an IP literal is judged before
 * any connection and every DNS answer before it is used; a refusal fails the request with AddressBlockedError.
 */
export function peerDispatcher(policy: PeerPolicy): Agent {
  const { allowPrivateNetworks, connectTimeoutMs } = policy;
  if (allowPrivateNetworks === null)
    return new Agent({ connections: policy.connections, connect: { timeout: connectTimeoutMs } });
  const connector = buildConnector({ timeout: connectTimeoutMs, lookup: policyLookup(allowPrivateNetworks) });
  return new Agent({
    connections: policy.connections,
    connect: (options, callback) => {
      const rule = refusedAddressRule(options.hostname, allowPrivateNetworks);
      if (rule) {
        callback(new AddressBlockedError(options.hostname, rule, false), null);
        return;
      }
      connector(options, callback);
    },
  });
}
