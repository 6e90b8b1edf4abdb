import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { pipeline, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { request as undiciRequest, type Agent } from 'undici';
import { AppConfig } from '../config/app-config.js';
import { USER_AGENT } from '../service-info.js';
import { asSentInHeader, redactSecrets } from '../text/redact-secrets.js';
import { wellFormedExcerpt } from '../text/well-formed.js';
import { signWebhook } from '../crypto/webhook-signature.js';
import { injectTraceContext } from '../tracing/tracing.js';
import { ADDRESS_BLOCKED_CODE, refusalReason, refusedAddressRule } from './address-policy.js';
import { readAtMost, type BoundedRead } from './bounded-read.js';
import { CONNECT_TIMEOUT_CODE, peerDispatcher } from './outbound-agents.js';

/** Protocol section 2: 5 s to connect, 10 s for the whole request. */
export const CONNECT_TIMEOUT_MS = 5_000;
export const REQUEST_TIMEOUT_MS = 10_000;
/** What is read of any answer's body (decompressed) for its excerpt; the rest is never read. */
export const BODY_READ_LIMIT_BYTES = 64 * 1024;
/** Keep-alive connections per origin at most (per replica). */
const CONNECTIONS_PER_ORIGIN = 64;
const BODY_EXCERPT_CHARS = 500;
const POLICY = 'Blocked by the outbound network policy';

export type OutboundFailureKind = 'blocked' | 'timeout' | 'network';

/** No HTTP response at all. The message is safe to store and show: it never holds a header or a token. */
export class OutboundFailure extends Error {
  constructor(
    readonly kind: OutboundFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundFailure';
  }
}

/**
 * Who is called, which decides the policy: `client-server` (a URL a tenant typed: the outbound network policy
 * applies) or `agent-runtime` (the Platform's own service at AGENT_RUNTIME_URL: no address rules).
 */
export type Peer = 'client-server' | 'agent-runtime';

export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: string;
  /** `client-server` when not given: the strict policy is the default. */
  peer?: Peer;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
  /** What the peer is sent and must not get to echo into our records: redacted from the body before it is cut. */
  secrets?: readonly (string | null)[];
  /**
   * Sign the request by the Standard Webhooks specification (`webhook-id`, `webhook-timestamp`, `webhook-signature`)
   * with each of these secrets, over the body exactly as it is sent; `id` is the message's, stable across retries.
   */
  signing?: { id: string; secrets: readonly string[] };
}

export interface OutboundResponse {
  status: number;
  /** At most 500 code points of the body, secrets redacted, well-formed: for error records. */
  bodyExcerpt: string;
  headers: Record<string, string | undefined>;
}

/** An answer with its body read up to a limit (decompressed): for a caller that needs the body itself. */
export interface OutboundExchange {
  status: number;
  headers: Record<string, string | undefined>;
  body: BoundedRead;
}

/**
 * The one HTTP client of the service, for both of its peers (undici, keep-alive pools per peer): the outbound
 * network policy for client servers (before connecting and on every DNS answer), a connect timeout and a timeout
 * for the whole request (body included), no redirects (a 3xx is returned as a response), gzip / deflate / br bodies
 * decompressed, at most a limit of any body read. Resolves with any HTTP response; throws OutboundFailure when there
 * is none.
 */
@Injectable()
export class OutboundHttpClient implements OnApplicationShutdown {
  private readonly allowPrivateNetworks: boolean;
  private readonly dispatchers: Record<Peer, Agent>;

  constructor(config: AppConfig) {
    this.allowPrivateNetworks = config.outboundAllowPrivateNetworks;
    const common = { connectTimeoutMs: CONNECT_TIMEOUT_MS, connections: CONNECTIONS_PER_ORIGIN };
    this.dispatchers = {
      'client-server': peerDispatcher({ ...common, allowPrivateNetworks: this.allowPrivateNetworks }),
      'agent-runtime': peerDispatcher({ ...common, allowPrivateNetworks: null }),
    };
  }

  /** Any answer, with a well-formed, redacted excerpt of its body for records. */
  async request(request: OutboundRequest): Promise<OutboundResponse> {
    const { status, headers, body } = await this.exchange(request, BODY_READ_LIMIT_BYTES);
    // The status has arrived: the body is only an excerpt for records, and a body that breaks off changes nothing.
    const text = redactSecrets(body.bytes.toString('utf8'), request.secrets ?? []);
    return { status, bodyExcerpt: wellFormedExcerpt(text, BODY_EXCERPT_CHARS), headers };
  }

  /**
   * Any answer with at most `maxBodyBytes` of its body (decompressed); a body that breaks off leaves an
   * OutboundFailure in `body.error`.
   */
  async exchange(request: OutboundRequest, maxBodyBytes: number): Promise<OutboundExchange> {
    const peer = request.peer ?? 'client-server';
    if (peer === 'client-server') {
      const host = new URL(request.url).hostname;
      const rule = refusedAddressRule(host, this.allowPrivateNetworks);
      if (rule) throw new OutboundFailure('blocked', `${POLICY}: ${refusalReason(host, rule, false)}`);
    }
    const timeoutMs = request.timeoutMs ?? REQUEST_TIMEOUT_MS;
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, timeoutMs);
    try {
      let response: Awaited<ReturnType<typeof undiciRequest>>;
      try {
        const body = request.body === undefined ? undefined : JSON.stringify(request.body);
        response = await undiciRequest(request.url, {
          dispatcher: this.dispatchers[peer],
          method: request.method,
          headers: {
            ...headersToSend(request),
            ...(request.signing && request.signing.secrets.length > 0
              ? signWebhook(request.signing.secrets, request.signing.id, body ?? '')
              : {}),
          },
          body,
          // The one deadline for the whole request, body included: undici's own per-phase timeouts (300 s) never fire first.
          signal: abort.signal,
        });
      } catch (error) {
        throw classify(error, timeoutMs, timedOut);
      }
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(response.headers))
        headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      const body = await readAtMost(decoded(response.body, headers['content-encoding']), maxBodyBytes);
      if (body.error !== undefined) body.error = classify(body.error, timeoutMs, timedOut);
      return { status: response.statusCode, headers, body };
    } finally {
      clearTimeout(timer);
    }
  }

  /** After the lane workers' grace: a request still open then is cut, not waited for. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(Object.values(this.dispatchers).map((dispatcher) => dispatcher.destroy()));
  }
}

/**
 * The headers as an HTTP client can send them: a header value keeps only what HTTP allows (as `asSentInHeader`
 * says, so redaction looks for what was really sent), and ours come first so a caller's own replace them. With
 * tracing on, the active span's `traceparent` goes too.
 */
function headersToSend(request: OutboundRequest): Record<string, string> {
  const headers: Record<string, string> = {
    'user-agent': USER_AGENT,
    accept: 'application/json, */*;q=0.5',
    ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
  };
  // The trace this call belongs to (W3C `traceparent`), when tracing is on and a span is active.
  injectTraceContext(headers);
  for (const [name, value] of Object.entries(request.headers ?? {}))
    headers[name.toLowerCase()] = asSentInHeader(value);
  return headers;
}

/** The body as sent, decompressed when the peer says it is compressed (with a coding Node can read). */
function decoded(body: Readable, encoding: string | undefined): Readable {
  const coding = encoding?.trim().toLowerCase();
  const decompressor =
    coding === 'gzip' || coding === 'x-gzip'
      ? createGunzip()
      : coding === 'deflate'
        ? createInflate()
        : coding === 'br'
          ? createBrotliDecompress()
          : null;
  if (decompressor === null) return body;
  // A corrupt stream or one the peer cuts fails the read; leaving the read early destroys both streams.
  return pipeline(body, decompressor, () => undefined);
}

/** Only the error's code and a sanitised message survive: a client error may carry the request's headers. */
export function classify(error: unknown, timeoutMs: number, timedOut = false): OutboundFailure {
  if (error instanceof OutboundFailure) return error;
  if (timedOut)
    return new OutboundFailure('timeout', `Timed out after ${timeoutMs / 1000} s without a complete response`);
  const failure = error as { code?: string; message?: string; name?: string; cause?: unknown } | null;
  const cause = failure?.cause as { code?: string; message?: string } | undefined;
  const code = failure?.code ?? cause?.code;
  const message = failure?.message ?? String(error);
  if (code === ADDRESS_BLOCKED_CODE || cause?.code === ADDRESS_BLOCKED_CODE)
    return new OutboundFailure(
      'blocked',
      `${POLICY}: ${cause?.code === ADDRESS_BLOCKED_CODE ? cause.message : message}`,
    );
  if (code === CONNECT_TIMEOUT_CODE)
    return new OutboundFailure('timeout', `Timed out connecting after ${CONNECT_TIMEOUT_MS / 1000} s`);
  if (failure?.name === 'AbortError')
    return new OutboundFailure('timeout', `Timed out after ${timeoutMs / 1000} s without a complete response`);
  const networkCode = (code !== undefined && code !== 'UND_ERR_SOCKET' ? code : cause?.code) ?? code ?? 'ERROR';
  const detail = cause?.message ?? message;
  return new OutboundFailure('network', wellFormedExcerpt(`Network error ${networkCode}: ${detail}`, 300));
}
