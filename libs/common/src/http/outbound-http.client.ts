import { Injectable } from '@nestjs/common';
import { HttpService } from '@nestjs/axios';
import { AxiosError, type AxiosRequestConfig } from 'axios';
import type { Readable } from 'node:stream';
import { AppConfig } from '../config/app-config.js';
import { USER_AGENT } from '../service-info.js';
import { redactSecrets } from '../text/redact-secrets.js';
import { wellFormedExcerpt } from '../text/well-formed.js';
import { ADDRESS_BLOCKED_CODE, refusalReason, refusedAddressRule } from './address-policy.js';
import { readAtMost } from './bounded-read.js';
import { CONNECT_TIMEOUT_CODE } from './outbound-agents.js';

/** Protocol section 2: 5 s to connect, 10 s for the whole request. */
export const CONNECT_TIMEOUT_MS = 5_000;
export const REQUEST_TIMEOUT_MS = 10_000;
/** What is read of any answer's body (decompressed); the rest is never read. */
export const BODY_READ_LIMIT_BYTES = 64 * 1024;
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

export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
  /** What the peer is sent and must not get to echo into our records: redacted from the body before it is cut. */
  secrets?: readonly (string | null)[];
}

export interface OutboundResponse {
  status: number;
  /** At most 500 code points of the body, secrets redacted, well-formed: for error records. */
  bodyExcerpt: string;
  headers: Record<string, string | undefined>;
}

/**
 * The one way out to client servers: the outbound network policy (before connecting and on every DNS answer),
 * keep-alive agents, timeouts, no redirects (a 3xx is returned as a response). Resolves with any HTTP response,
 * whatever its body (only its first 64 KiB are read); throws OutboundFailure when there is none.
 */
@Injectable()
export class OutboundHttpClient {
  private readonly allowPrivateNetworks: boolean;

  constructor(
    private readonly http: HttpService,
    config: AppConfig,
  ) {
    this.allowPrivateNetworks = config.outboundAllowPrivateNetworks;
  }

  async request(request: OutboundRequest): Promise<OutboundResponse> {
    const host = new URL(request.url).hostname;
    const rule = refusedAddressRule(host, this.allowPrivateNetworks);
    if (rule) throw new OutboundFailure('blocked', `${POLICY}: ${refusalReason(host, rule, false)}`);
    const timeoutMs = request.timeoutMs ?? REQUEST_TIMEOUT_MS;
    const config: AxiosRequestConfig = {
      method: request.method,
      url: request.url,
      data: request.body === undefined ? undefined : JSON.stringify(request.body),
      headers: {
        'User-Agent': USER_AGENT,
        Accept: 'application/json, */*;q=0.5',
        ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...request.headers,
      },
      timeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
      maxRedirects: 0,
      responseType: 'stream',
      validateStatus: () => true,
      decompress: true,
    };
    let status: number;
    let headers: Record<string, string | undefined>;
    let body: Readable;
    try {
      const response = await this.http.axiosRef.request<Readable>(config);
      status = response.status;
      headers = Object.fromEntries(
        Object.entries(response.headers).map(([name, value]) => [
          name.toLowerCase(),
          value === undefined || value === null ? undefined : String(value),
        ]),
      );
      body = response.data;
    } catch (error) {
      throw classify(error, timeoutMs);
    }
    // The status has arrived: the body is only an excerpt for records, and a body that breaks off changes nothing.
    const { bytes } = await readAtMost(body, BODY_READ_LIMIT_BYTES);
    const text = redactSecrets(bytes.toString('utf8'), request.secrets ?? []);
    return { status, bodyExcerpt: wellFormedExcerpt(text, BODY_EXCERPT_CHARS), headers };
  }
}

/** Only the error's code and a sanitised message survive: axios errors carry the request headers. */
export function classify(error: unknown, timeoutMs: number): OutboundFailure {
  const axiosError = error instanceof AxiosError ? error : null;
  const code = axiosError?.code ?? (error as { code?: string } | null)?.code;
  const cause = axiosError?.cause as { code?: string; message?: string } | undefined;
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
  if (cause?.code === ADDRESS_BLOCKED_CODE || code === ADDRESS_BLOCKED_CODE)
    return new OutboundFailure('blocked', `${POLICY}: ${message}`);
  const refusedByFilter = /^DNS lookup .*?\(family:.*?, host:(.*?)\) is not allowed/.exec(message);
  if (refusedByFilter) {
    // request-filtering-agent's own check, narrower than ours: its message would show the resolved address.
    const host = refusedByFilter[1];
    return new OutboundFailure(
      'blocked',
      host === 'undefined' ? `${POLICY}: not a public address` : `${POLICY}: ${host} resolves to a non-public address`,
    );
  }
  if (code === CONNECT_TIMEOUT_CODE || cause?.code === CONNECT_TIMEOUT_CODE)
    return new OutboundFailure('timeout', `Timed out connecting after ${CONNECT_TIMEOUT_MS / 1000} s`);
  if (
    code === 'ECONNABORTED' ||
    code === 'ETIMEDOUT' ||
    code === 'ERR_CANCELED' ||
    axiosError?.name === 'CanceledError'
  ) {
    return new OutboundFailure('timeout', `Timed out after ${timeoutMs / 1000} s without a complete response`);
  }
  const networkCode = cause?.code ?? code ?? 'ERROR';
  return new OutboundFailure('network', wellFormedExcerpt(`Network error ${networkCode}: ${message}`, 300));
}
