import { Injectable } from '@nestjs/common';
import { HttpService } from '@nestjs/axios';
import { AxiosError, type AxiosRequestConfig } from 'axios';
import { USER_AGENT } from '../service-info.js';
import { CONNECT_TIMEOUT_CODE, isLinkLocalAddress } from './outbound-agents.js';

/** Protocol section 2: 5 s to connect, 10 s for the whole request. */
export const CONNECT_TIMEOUT_MS = 5_000;
export const REQUEST_TIMEOUT_MS = 10_000;
const BODY_EXCERPT_CHARS = 500;

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
}

export interface OutboundResponse {
  status: number;
  /** At most 500 characters of the body, for error records. */
  bodyExcerpt: string;
  headers: Record<string, string | undefined>;
}

/**
 * The one way out to client servers and the Agent runtime: SSRF-filtering keep-alive agents, timeouts, no
 * redirects (a 3xx is returned as a response). Resolves with any HTTP response; throws OutboundFailure otherwise.
 */
@Injectable()
export class OutboundHttpClient {
  constructor(private readonly http: HttpService) {}

  async request(request: OutboundRequest): Promise<OutboundResponse> {
    const host = new URL(request.url).hostname;
    if (isLinkLocalAddress(host)) throw new OutboundFailure('blocked', `Blocked: ${host} is a link-local address`);
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
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      maxContentLength: 1024 * 1024,
      decompress: true,
    };
    try {
      const response = await this.http.axiosRef.request<string>(config);
      const body = typeof response.data === 'string' ? response.data : '';
      return {
        status: response.status,
        bodyExcerpt: body.slice(0, BODY_EXCERPT_CHARS),
        headers: Object.fromEntries(
          Object.entries(response.headers).map(([name, value]) => [
            name.toLowerCase(),
            value === undefined || value === null ? undefined : String(value),
          ]),
        ),
      };
    } catch (error) {
      throw classify(error, timeoutMs);
    }
  }
}

/** Only the error's code and a sanitised message survive: axios errors carry the request headers. */
export function classify(error: unknown, timeoutMs: number): OutboundFailure {
  const axiosError = error instanceof AxiosError ? error : null;
  const code = axiosError?.code ?? (error as { code?: string } | null)?.code;
  const cause = axiosError?.cause as { code?: string; message?: string } | undefined;
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
  if (/is not allowed\. Because/.test(message)) {
    return new OutboundFailure(
      'blocked',
      `Blocked by the outbound network policy: ${message.replace(/\(family:.*?\)\s*/, '').replace(/^DNS lookup /, '')}`,
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
  return new OutboundFailure('network', `Network error ${networkCode}: ${message}`.slice(0, 300));
}
