import { describe, expect, it } from '@jest/globals';
import { AxiosError } from 'axios';
import { AddressBlockedError } from './address-policy.js';
import { classify } from './outbound-http.client.js';

/** As axios rejects when the socket fails: the original error as its cause. */
const fromSocket = (cause: Error & { code?: string }): AxiosError => AxiosError.from(cause, cause.code) as AxiosError;

describe('classify', () => {
  it('a destination the policy refused is blocked, the rule named', () => {
    const failure = classify(fromSocket(new AddressBlockedError('intranet.corp', 'private', true)), 10_000);
    expect(failure).toMatchObject({
      kind: 'blocked',
      message: 'Blocked by the outbound network policy: intranet.corp resolves to a private address',
    });
  });

  it('request-filtering-agent’s own refusal never shows the address a name resolved to', () => {
    const named = new Error(
      'DNS lookup 10.1.2.3(family:4, host:intranet.corp) is not allowed. Because, It is private IP address.',
    );
    expect(classify(fromSocket(named), 10_000)).toMatchObject({
      kind: 'blocked',
      message: 'Blocked by the outbound network policy: intranet.corp resolves to a non-public address',
    });
    const literal = new Error(
      'DNS lookup 10.1.2.3(family:undefined, host:undefined) is not allowed. Because, It is private IP address.',
    );
    expect(classify(fromSocket(literal), 10_000).message).toBe(
      'Blocked by the outbound network policy: not a public address',
    );
  });

  it('a network error is kept short and well-formed, whatever the peer put in it', () => {
    const tls = Object.assign(new Error(`Hostname does not\u0000 match altnames: \ud83d ${'😀'.repeat(400)}`), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    const failure = classify(fromSocket(tls), 10_000);
    expect(failure.kind).toBe('network');
    expect(failure.message.startsWith('Network error ERR_TLS_CERT_ALTNAME_INVALID: Hostname does not match')).toBe(
      true,
    );
    expect(Array.from(failure.message)).toHaveLength(301);
    expect(failure.message).not.toContain('\u0000');
    expect(failure.message).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});
