import { describe, expect, it } from '@jest/globals';
import { AddressBlockedError } from './address-policy.js';
import { classify } from './outbound-http.client.js';

/** As undici rejects when the socket fails: the socket's own error, or its own error with the socket's as cause. */
const wrapped = (cause: Error & { code?: string }): Error =>
  Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET', cause });

describe('classify', () => {
  it('a destination the policy refused is blocked, the rule named', () => {
    const failure = classify(wrapped(new AddressBlockedError('intranet.corp', 'private', true)), 10_000);
    expect(failure).toMatchObject({
      kind: 'blocked',
      message: 'Blocked by the outbound network policy: intranet.corp resolves to a private address',
    });
  });

  it('a socket error under undici’s own is named by the socket’s code', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(classify(wrapped(reset), 10_000)).toMatchObject({
      kind: 'network',
      message: 'Network error ECONNRESET: read ECONNRESET',
    });
    expect(classify(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }), 10_000)).toMatchObject({
      kind: 'network',
      message: 'Network error UND_ERR_SOCKET: other side closed',
    });
  });

  it('a connect timeout and the request timeout are told apart', () => {
    const connect = Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' });
    expect(classify(connect, 10_000)).toMatchObject({ kind: 'timeout', message: 'Timed out connecting after 5 s' });
    const aborted = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
    expect(classify(aborted, 10_000, true)).toMatchObject({
      kind: 'timeout',
      message: 'Timed out after 10 s without a complete response',
    });
  });

  it('a network error is kept short and well-formed, whatever the peer put in it', () => {
    const tls = Object.assign(new Error(`Hostname does not\u0000 match altnames: \ud83d ${'😀'.repeat(400)}`), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    const failure = classify(tls, 10_000);
    expect(failure.kind).toBe('network');
    expect(failure.message.startsWith('Network error ERR_TLS_CERT_ALTNAME_INVALID: Hostname does not match')).toBe(
      true,
    );
    expect(Array.from(failure.message)).toHaveLength(301);
    expect(failure.message).not.toContain('\u0000');
    expect(failure.message).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});
