import type { ParsedEvent } from './inbound-event.js';

/** Status and body of each row of the status table (docs/protocol.md, section 1), byte for byte. */
export interface InboundAnswer {
  status: number;
  body: Record<string, unknown>;
  /** Why, for the request's log line only (never sent). */
  reason?: string;
  /** Headers besides content-type and content-length (Retry-After on a 429). */
  headers?: Record<string, string>;
  /** The request's log line at debug: an answer that comes in floods (429) is told once a minute by its own line. */
  quiet?: boolean;
}

export const NOT_FOUND: InboundAnswer = { status: 404, body: { error: 'Not found' } };
export const NO_ACTIVE_CHANNEL: InboundAnswer = {
  status: 400,
  body: { error: 'There is no active channel for received event.' },
};
export const TOO_LARGE: InboundAnswer = { status: 413, body: { error: 'Request body is larger than 1 MiB' } };
export const INVALID_JSON: InboundAnswer = { status: 500, body: { error: 'Invalid JSON in request body' } };
export const DUPLICATE: InboundAnswer = { status: 200, body: { result: 'ok', duplicate: true } };
export const ACCEPTED: InboundAnswer = { status: 200, body: { result: 'ok' } };
/** The body stopped short (the client went away, or the server's request deadline cut it off): nobody to answer. */
export const INCOMPLETE: InboundAnswer = { status: 408, body: { error: 'The request body did not arrive in full' } };
/** Row 6b: a `chat_closed` for a chat this channel has never seen (nothing to close), or one already closed. */
export const UNKNOWN_CHAT: InboundAnswer = { status: 200, body: { result: 'ignored', reason: 'unknown chat' } };
export const ALREADY_CLOSED: InboundAnswer = { status: 200, body: { result: 'ok', duplicate: true } };
export const INTERNAL_ERROR: InboundAnswer = { status: 500, body: { error: 'Internal server error' } };

/** Row 2a: the channel is over its inbound rate limit (docs/protocol.md, section 1). Nothing is read or stored. */
export function rateLimited(retryAfterSeconds: number, limit: { perSecond: number; burst: number }): InboundAnswer {
  return {
    status: 429,
    body: {
      error: `Too many requests for this channel: the limit is ${limit.perSecond} messages per second with bursts of ${limit.burst}. Retry after ${retryAfterSeconds} s.`,
    },
    headers: { 'retry-after': String(retryAfterSeconds) },
    quiet: true,
  };
}

/** Row 2b: the channel requires signed webhooks and this post is not signed as it must be. Nothing is stored. */
export function unsigned(problem: string): InboundAnswer {
  return { status: 401, body: { error: `${problem}.` }, reason: problem };
}

/** Rows 4 to 9; an accepted event is answered by the service once it is stored. */
export function answerFor(parsed: Exclude<ParsedEvent, { outcome: 'accepted' | 'chat-closed' }>): InboundAnswer {
  switch (parsed.outcome) {
    case 'invalid-json':
      return INVALID_JSON;
    case 'missing':
      return { status: 400, body: { error: `Missing required parameter: ${parsed.path}` } };
    case 'ignored':
      return { status: 200, body: { result: 'ignored', reason: parsed.reason } };
    case 'malformed':
      return { status: 500, body: { error: `Invalid request body: ${parsed.path} ${parsed.problem}` } };
  }
}
