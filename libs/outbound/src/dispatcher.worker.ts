import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Job } from 'pg-boss';
import { AppConfig, Coalescer, OutboundFailure, OutboundHttpClient, SecretBox, methodUrl } from '#common';
import { CHAT_FIFO_QUEUE, QueueService } from '#database';
import { clientChatIdOf } from '#inbound';
import { judgeAnswer, judgeFailure, nextRetryDelayMs, type AttemptVerdict } from './delivery-policy.js';
import { OutboundMetrics } from './outbound.metrics.js';
import { AttemptSettler } from './attempt-settler.js';
import { OutboundRepository, type DeliveryWork } from './outbound.repository.js';
import { SEND_MESSAGE_QUEUE, type SendMessageJob } from './send-message.job.js';

/** The body of `POST {webhookUrl}/send_message` (protocol section 2). */
export function sendMessageBody(work: DeliveryWork): Record<string, unknown> {
  const message = work.kind === 'keyboard' ? { id: work.id, kind: 'keyboard', buttons: work.buttons } : { id: work.id, kind: 'operator', text: work.text };
  return { chat_id: clientChatIdOf(work), message };
}

/**
 * Delivers outbound messages, one job per message, FIFO per chat: while a message is being retried its job stays
 * in pg-boss's `retry` state, which holds back the chat's later messages and no other chat's.
 */
@Injectable()
export class Dispatcher implements OnModuleInit {
  private readonly logger = new Logger(Dispatcher.name);
  /** Jobs fetched together load together. */
  private readonly loads: Coalescer<string, DeliveryWork | null>;

  constructor(
    private readonly config: AppConfig,
    private readonly queue: QueueService,
    private readonly settler: AttemptSettler,
    private readonly outbound: OutboundRepository,
    private readonly http: OutboundHttpClient,
    private readonly secrets: SecretBox,
    private readonly metrics: OutboundMetrics,
  ) {
    this.loads = new Coalescer((ids) => this.outbound.loadDelivery(ids));
  }

  async onModuleInit(): Promise<void> {
    await this.queue.ensureQueue(SEND_MESSAGE_QUEUE, CHAT_FIFO_QUEUE);
    await this.queue.work<SendMessageJob>(SEND_MESSAGE_QUEUE, { batchSize: 20, loops: 4 }, (job) => this.deliver(job));
  }

  async deliver(job: Job<SendMessageJob>): Promise<void> {
    const work = await this.loads.push(job.data.messageId);
    if (!work || work.status !== 'queued') return this.settler.release(SEND_MESSAGE_QUEUE, job);
    const verdict = await this.attempt(work);
    const attempts = work.attempts + 1 - job.data.attemptsBefore;
    const delay = verdict.outcome === 'retry' ? nextRetryDelayMs(this.config.deliveryRetryDelaysMs, attempts, verdict.retryAfterMs) : null;
    const status = verdict.outcome === 'success' ? 'delivered' : delay === null ? 'failed' : 'queued';
    const lastError = verdict.outcome === 'success' ? null : verdict.error;
    const retryAt = delay === null ? null : new Date(Date.now() + delay);
    await this.settler.settle(SEND_MESSAGE_QUEUE, job, { id: work.id, status, lastError }, retryAt);
    this.metrics.delivery(status === 'delivered' ? 'delivered' : retryAt ? 'retried' : 'failed', work.createdAt);
    if (status === 'failed') this.logger.warn({ messageId: work.id, chatId: job.data.chatId, attempts: work.attempts + 1, reason: lastError }, 'Outbound message failed');
  }

  private async attempt(work: DeliveryWork): Promise<AttemptVerdict> {
    let token: string | null;
    try {
      token = work.webhookTokenEncrypted === null ? null : this.secrets.open(work.webhookTokenEncrypted);
    } catch {
      // Waiting cannot fix this (SECRETS_KEY changed since the token was stored), and retrying would hold the chat.
      return { outcome: 'fail', error: "The channel's webhook token cannot be decrypted (was SECRETS_KEY changed?): set it again, then retry the message" };
    }
    try {
      const response = await this.http.request({
        method: 'POST',
        url: methodUrl(work.webhookUrl, 'send_message'),
        headers: { 'Idempotency-Key': work.id, ...(token === null ? {} : { Authorization: `Token ${token}` }) },
        body: sendMessageBody(work),
      });
      return judgeAnswer({ status: response.status, bodyExcerpt: response.bodyExcerpt, retryAfter: response.headers['retry-after'] });
    } catch (error) {
      if (error instanceof OutboundFailure) return judgeFailure(error);
      throw error;
    }
  }
}
