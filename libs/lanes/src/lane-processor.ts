import type { Logger } from '@nestjs/common';
import type { Lane } from './lane.js';
import type { LaneClaim, SettleOutcome } from './lanes.repository.js';
import { decide, type AttemptVerdict, type Outcome } from './outcomes.js';

/** What a claim's head message carries for the schedule: its id and where its retry schedule stands. */
export interface HeadMessage {
  id: string;
  attempts: number;
  scheduleBase: number;
}

/** A claim of a lane whose head message is `M` (null: the lane had nothing left when it was claimed). */
export type ClaimOf<M extends HeadMessage> = LaneClaim & { message: M | null };

/** An attempt's verdict, and on success what it produced for the settle (the Agent's replies, say). */
export interface Attempted<R> {
  verdict: AttemptVerdict;
  result?: R;
}

/** What the processor asks the lane to write for one claim. */
export interface Settling<R> {
  outcome: SettleOutcome;
  messageId: string | null;
  lastError: string | null;
  retryAt: Date | null;
  result: R | null;
}

/** The part of a lane that is its own: one call to its peer, and how its outcomes are counted and told. */
export interface LaneAttempt<C extends ClaimOf<M>, M extends HeadMessage, R> {
  /** One call to the peer with the head message. Never throws: a failure is a verdict. */
  attempt(claim: C, message: M): Promise<Attempted<R>>;
  /** Counts the outcome (metrics); `seconds` is the attempt's duration. */
  observe?(outcome: Outcome, claim: C, message: M, seconds: number): void;
}

export interface LaneProcessorOptions<C extends ClaimOf<M>, M extends HeadMessage, R> extends LaneAttempt<C, M, R> {
  lane: Lane;
  retryDelaysMs: readonly number[];
  /** Past the schedule's end, go on at its last delay rather than fail (the report lane: at least once). */
  untilDone?: boolean;
  /** Writes the outcome; true when the chat is due again at once (another message waits). */
  settle(claim: C, settling: Settling<R>): Promise<boolean>;
  /** After the settle: look again at `at` (a retry), or now (more waits). */
  wakeAt(at: Date): void;
  wake(): void;
  logger: Logger;
}

/**
 * One skeleton for both lanes: claim (the worker's) → attempt (the lane's own) → decide (the retry schedule) →
 * settle → metrics. A failure given up on is logged at warn with its reason, and so is each retry of the Agent lane.
 */
export async function processClaim<C extends ClaimOf<M>, M extends HeadMessage, R>(
  options: LaneProcessorOptions<C, M, R>,
  claim: C,
): Promise<void> {
  const message = claim.message;
  if (message === null) {
    await options.settle(claim, { outcome: 'empty', messageId: null, lastError: null, retryAt: null, result: null });
    return;
  }
  const started = performance.now();
  const { verdict, result } = await options.attempt(claim, message);
  const seconds = (performance.now() - started) / 1000;
  const attempts = message.attempts + 1;
  const delays = options.retryDelaysMs;
  const counted = attempts - message.scheduleBase;
  const decision = decide(verdict, options.untilDone ? Math.min(counted, delays.length) : counted, delays);
  const retryAt = decision.outcome === 'retry' || decision.outcome === 'later' ? decision.retryAt : null;
  const dueNow = await options.settle(claim, {
    outcome: decision.outcome,
    messageId: message.id,
    lastError: decision.outcome === 'success' || decision.outcome === 'later' ? null : decision.error,
    retryAt,
    result: decision.outcome === 'success' ? (result ?? null) : null,
  });
  options.observe?.(decision.outcome, claim, message, seconds);
  // A client server's retries are many and told by the delivery log (lastError) and the metrics; the Agent runtime's
  // are rare and each one is worth a line.
  if (decision.outcome === 'failed' || (decision.outcome === 'retry' && options.lane !== 'send'))
    options.logger.warn(
      { lane: options.lane, messageId: message.id, chatId: claim.chatId, attempts, reason: decision.error, retryAt },
      options.lane === 'send'
        ? 'Outbound message failed'
        : options.lane === 'report'
          ? retryAt
            ? 'Telling the Agent runtime a delivery outcome failed; retrying'
            : 'The Agent runtime refused a delivery event; it is dropped'
          : retryAt
            ? 'Agent runtime call failed; retrying'
            : 'Agent runtime call failed finally',
    );
  if (retryAt) options.wakeAt(retryAt);
  if (dueNow) options.wake();
}
