import { wellFormedExcerpt, type OutboundFailure } from '#common';

import type { Lane } from './lane.js';

/**
 * The one vocabulary of outcomes, from an attempt to its settle and its metric: `success` (the Agent answered, the
 * client server took the message), `retry` (to be tried again, at a time the schedule gives), `failed` (given up:
 * nothing more will be tried until a person retries it), `skipped` (never sent: an action the channel stopped
 * accepting after it was queued), `later` (not attempted yet: the channel's delivery rate limit has no room before
 * `at`; no attempt is counted). A settle of a claim that found no message is `empty`.
 */
export type Outcome = 'success' | 'retry' | 'failed' | 'skipped' | 'later';

/** What one attempt (a `send_message` or an Agent runtime call) came to. */
export type AttemptVerdict =
  | { outcome: 'success' }
  | { outcome: 'retry'; error: string; retryAfterMs: number | null; held?: boolean }
  | { outcome: 'failed'; error: string }
  | { outcome: 'skipped'; error: string }
  | { outcome: 'later'; at: Date };

export interface HttpAnswer {
  status: number;
  bodyExcerpt: string;
  retryAfter?: string;
}

/** A Retry-After is honoured up to an hour: a client asking for a week would otherwise park its chat for a week. */
export const RETRY_AFTER_CAP_MS = 60 * 60 * 1000;
export const JITTER = 0.2;

/** Cut on code points and scrubbed of what PostgreSQL cannot store, so that recording the attempt cannot fail. */
function excerpt(body: string): string {
  return wellFormedExcerpt(body.replace(/\s+/g, ' ').trim());
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
/** An HTTP answer's verdict: never skipped nor later (those are decided before any call). */
export type AnswerVerdict = Exclude<AttemptVerdict, { outcome: 'skipped' | 'later' }>;

export function judgeAnswer(answer: HttpAnswer, now = Date.now()): AnswerVerdict {
  const { status } = answer;
  if (status >= 200 && status < 300) return { outcome: 'success' };
  if (status === 408 || status === 429 || status >= 500)
    return { outcome: 'retry', error: describe(answer), retryAfterMs: parseRetryAfter(answer.retryAfter, now) };
  if (status >= 300 && status < 400)
    return { outcome: 'failed', error: describe(answer, ' (redirects are not followed)') };
  return { outcome: 'failed', error: describe(answer) };
}

/** No HTTP answer: a destination the SSRF guard refused never becomes reachable by waiting; the rest is retried. */
export function judgeFailure(failure: OutboundFailure): AnswerVerdict {
  if (failure.kind === 'blocked') return { outcome: 'failed', error: failure.message };
  return { outcome: 'retry', error: failure.message, retryAfterMs: null };
}

/**
 * The wait before the next attempt, or null when none is left. `attempts` counts the attempts made since the
 * message was (re)queued, this one included: after attempt k the k-th delay applies, ±20 %, never less than
 * what the peer asked for in Retry-After (capped).
 */
export function nextRetryDelayMs(
  delays: readonly number[],
  attempts: number,
  retryAfterMs: number | null,
  random: () => number = Math.random,
): number | null {
  if (attempts < 1 || attempts > delays.length) return null;
  const jittered = Math.round(delays[attempts - 1] * (1 - JITTER + 2 * JITTER * random()));
  return retryAfterMs === null ? jittered : Math.max(jittered, Math.min(retryAfterMs, RETRY_AFTER_CAP_MS));
}

/** What an attempt means for its message and its chat's lane. */
export type Decision =
  | { outcome: 'success' }
  | { outcome: 'retry'; error: string; retryAt: Date }
  | { outcome: 'failed'; error: string }
  | { outcome: 'skipped'; error: string }
  | { outcome: 'later'; retryAt: Date };

/**
 * The one place where a verdict becomes a settle: success; a retry at the scheduled time while the schedule lasts;
 * failed otherwise, except for a held retry (its channel is paused: the message waits for the resume, however many
 * attempts it has had), which stays at the schedule's last delay. `attempts` counts the attempts since the message
 * was (re)queued, this one included.
 */
export function decide(
  verdict: AttemptVerdict,
  attempts: number,
  delays: readonly number[],
  now = Date.now(),
  random: () => number = Math.random,
): Decision {
  if (verdict.outcome === 'later') return { outcome: 'later', retryAt: verdict.at };
  if (verdict.outcome !== 'retry') return verdict;
  const delay = nextRetryDelayMs(
    delays,
    verdict.held === true ? Math.min(attempts, delays.length) : attempts,
    verdict.retryAfterMs,
    random,
  );
  return delay === null
    ? { outcome: 'failed', error: verdict.error }
    : { outcome: 'retry', error: verdict.error, retryAt: new Date(now + delay) };
}

/**
 * An outcome as the metrics name it (their label values predate this vocabulary and dashboards read them): a success
 * is `answered` on the Agent lane and `delivered` on the send lane, a retry `retried`.
 */
export function outcomeLabel(
  lane: Lane,
  outcome: Outcome,
): 'answered' | 'delivered' | 'retried' | 'failed' | 'skipped' | 'deferred' {
  if (outcome === 'success') return lane === 'agent' ? 'answered' : 'delivered';
  if (outcome === 'skipped') return 'skipped';
  if (outcome === 'later') return 'deferred';
  return outcome === 'retry' ? 'retried' : 'failed';
}
