import type { OutboundFailure } from '#common';

/** What one attempt (a `send_message` or an Agent runtime call) came to. */
export type AttemptVerdict =
  | { outcome: 'success' }
  | { outcome: 'retry'; error: string; retryAfterMs: number | null }
  | { outcome: 'fail'; error: string };

export interface HttpAnswer {
  status: number;
  bodyExcerpt: string;
  retryAfter?: string;
}

const EXCERPT_CHARS = 300;
/** A Retry-After is honoured up to an hour: a client asking for a week would otherwise park its chat for a week. */
export const RETRY_AFTER_CAP_MS = 60 * 60 * 1000;
export const JITTER = 0.2;

function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}

function describe(answer: HttpAnswer, note = ''): string {
  const body = excerpt(answer.bodyExcerpt);
  return `HTTP ${answer.status}${note}${body ? `: ${body}` : ''}`;
}

/** Seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/** Protocol section 2: 2xx delivered; 408, 429 and 5xx retried; anything else (3xx included) failed at once. */
export function judgeAnswer(answer: HttpAnswer, now = Date.now()): AttemptVerdict {
  const { status } = answer;
  if (status >= 200 && status < 300) return { outcome: 'success' };
  if (status === 408 || status === 429 || status >= 500) return { outcome: 'retry', error: describe(answer), retryAfterMs: parseRetryAfter(answer.retryAfter, now) };
  if (status >= 300 && status < 400) return { outcome: 'fail', error: describe(answer, ' (redirects are not followed)') };
  return { outcome: 'fail', error: describe(answer) };
}

/** No HTTP answer: a destination the SSRF guard refused never becomes reachable by waiting; the rest is retried. */
export function judgeFailure(failure: OutboundFailure): AttemptVerdict {
  if (failure.kind === 'blocked') return { outcome: 'fail', error: failure.message };
  return { outcome: 'retry', error: failure.message, retryAfterMs: null };
}

/**
 * The wait before the next attempt, or null when none is left. `attempts` counts the attempts made since the
 * message was (re)queued, this one included: after attempt k the k-th delay applies, ±20 %, never less than
 * what the peer asked for in Retry-After (capped).
 */
export function nextRetryDelayMs(delays: readonly number[], attempts: number, retryAfterMs: number | null, random: () => number = Math.random): number | null {
  if (attempts < 1 || attempts > delays.length) return null;
  const jittered = Math.round(delays[attempts - 1] * (1 - JITTER + 2 * JITTER * random()));
  return retryAfterMs === null ? jittered : Math.max(jittered, Math.min(retryAfterMs, RETRY_AFTER_CAP_MS));
}
