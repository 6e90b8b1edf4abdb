import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig, OutboundFailure, OutboundHttpClient, SecretBox, methodUrl } from '#common';
import { ChatLanes, clientChatIdOf, type LaneWorker, type SendClaim, type SendSettlement } from '#conversations';
import { decide, judgeAnswer, judgeFailure, type AttemptVerdict } from './delivery-policy.js';
import { LANE_SLOTS, SHUTDOWN_GRACE_MS } from './lane-settings.js';
import { OutboundMetrics } from './outbound.metrics.js';

type Head = NonNullable<SendClaim['message']>;

/** The body of `POST {webhookUrl}/send_message` (docs/outbound.md). */
export function sendMessageBody(claim: SendClaim, message: Head): Record<string, unknown> {
  const body =
    message.kind === 'keyboard'
      ? { id: message.id, kind: 'keyboard', buttons: message.buttons }
      : { id: message.id, kind: 'operator', text: message.text };
  return { chat_id: clientChatIdOf(claim), message: body };
}

/**
 * The send lane: delivers each chat's oldest queued reply to the client server, one at a time per chat. While it is
 * retried, its chat's lane waits out the backoff (holding the chat's later replies, and nothing of any other chat).
 */
@Injectable()
export class Dispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Dispatcher.name);
  private readonly worker: LaneWorker<SendClaim>;

  constructor(
    private readonly config: AppConfig,
    private readonly lanes: ChatLanes,
    private readonly http: OutboundHttpClient,
    private readonly secrets: SecretBox,
    private readonly metrics: OutboundMetrics,
  ) {
    this.worker = lanes.sendWorker({ slots: LANE_SLOTS.send, perChannel: config.channelMaxInFlight }, (claim) =>
      this.deliver(claim),
    );
  }

  onApplicationBootstrap(): void {
    this.worker.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.stop(SHUTDOWN_GRACE_MS);
  }

  /** Claim → send → settle. */
  async deliver(claim: SendClaim): Promise<void> {
    const message = claim.message;
    if (message === null) {
      await this.settle(claim, { outcome: 'empty', messageId: null, lastError: null, retryAt: null });
      return;
    }
    const decision = decide(
      await this.attempt(claim, message),
      message.attempts + 1 - message.scheduleBase,
      this.config.deliveryRetryDelaysMs,
    );
    if (decision.outcome === 'success') {
      await this.settle(claim, { outcome: 'delivered', messageId: message.id, lastError: null, retryAt: null });
      this.metrics.delivery('delivered', new Date(message.createdAt));
      return;
    }
    const retryAt = decision.outcome === 'retry' ? decision.retryAt : null;
    await this.settle(claim, { outcome: decision.outcome, messageId: message.id, lastError: decision.error, retryAt });
    this.metrics.delivery(retryAt ? 'retried' : 'failed');
    if (!retryAt)
      this.logger.warn(
        { messageId: message.id, chatId: claim.chatId, attempts: message.attempts + 1, reason: decision.error },
        'Outbound message failed',
      );
  }

  private async attempt(claim: SendClaim, message: Head): Promise<AttemptVerdict> {
    let token: string | null;
    try {
      token = claim.webhookTokenEncrypted === null ? null : this.secrets.open(claim.webhookTokenEncrypted);
    } catch {
      // Waiting cannot fix this (SECRETS_KEY changed since the token was stored), and retrying would hold the chat.
      return {
        outcome: 'fail',
        error:
          "The channel's webhook token cannot be decrypted (was SECRETS_KEY changed?): set it again, then retry the message",
      };
    }
    try {
      const response = await this.http.request({
        method: 'POST',
        url: methodUrl(claim.webhookUrl, 'send_message'),
        headers: { 'Idempotency-Key': message.id, ...(token === null ? {} : { Authorization: `Token ${token}` }) },
        body: sendMessageBody(claim, message),
        // A client server may echo what it was sent: lastError is shown by the admin API and logged.
        secrets: [token, this.config.platformAdminToken],
      });
      return judgeAnswer({
        status: response.status,
        bodyExcerpt: response.bodyExcerpt,
        retryAfter: response.headers['retry-after'],
      });
    } catch (error) {
      if (error instanceof OutboundFailure) return judgeFailure(error);
      return {
        outcome: 'retry',
        error: `send_message failed: ${(error as Error)?.message ?? String(error)}`,
        retryAfterMs: null,
      };
    }
  }

  private async settle(claim: SendClaim, outcome: Omit<SendSettlement, 'chatId' | 'lease'>): Promise<void> {
    const dueNow = await this.lanes.settleSend(claim, { ...outcome, chatId: claim.chatId, lease: claim.lease });
    if (outcome.retryAt) this.worker.wakeAt(outcome.retryAt);
    if (dueNow) this.worker.wake();
  }
}
