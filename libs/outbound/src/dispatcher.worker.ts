import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Job } from 'pg-boss';
import { AppConfig, Coalescer, OutboundFailure, OutboundHttpClient, SecretBox, methodUrl } from '#common';
import { CHAT_FIFO_QUEUE, QueueService, SqlTransactions } from '#database';
import { clientChatIdOf } from '#inbound';
import { judgeAnswer, judgeFailure, nextRetryDelayMs, type AttemptVerdict } from './delivery-policy.js';
import { OutboundMetrics } from './outbound.metrics.js';
import { OutboundRepository, type AttemptRecord, type DeliveryWork } from './outbound.repository.js';
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
  /** Jobs fetched together load together, and outcomes settled within 2 ms of each other are written together. */
  private readonly loads: Coalescer<string, DeliveryWork | null>;
  private readonly records: Coalescer<AttemptRecord, null>;

  constructor(
    private readonly config: AppConfig,
    private readonly queue: QueueService,
    private readonly transactions: SqlTransactions,
    private readonly outbound: OutboundRepository,
    private readonly http: OutboundHttpClient,
    private readonly secrets: SecretBox,
    private readonly metrics: OutboundMetrics,
  ) {
    this.loads = new Coalescer((ids) => this.outbound.loadDelivery(ids));
    this.records = new Coalescer(async (records) => (await this.outbound.recordAttempts(records), records.map(() => null)), 2);
  }

  async onModuleInit(): Promise<void> {
    await this.queue.ensureQueue(SEND_MESSAGE_QUEUE, CHAT_FIFO_QUEUE);
    await this.queue.work<SendMessageJob>(SEND_MESSAGE_QUEUE, { batchSize: 20, loops: 4 }, (job) => this.deliver(job));
  }

  async deliver(job: Job<SendMessageJob>): Promise<void> {
    const work = await this.loads.push(job.data.messageId);
    // Gone with its channel, or already settled by an earlier claim of this job that was cut off afterwards.
    if (!work || work.status !== 'queued') {
      await this.queue.complete(SEND_MESSAGE_QUEUE, job);
      this.queue.wakeAt(SEND_MESSAGE_QUEUE);
      return;
    }
    const verdict = await this.attempt(work);
    const attempts = work.attempts + 1 - job.data.attemptsBefore;
    const delay = verdict.outcome === 'retry' ? nextRetryDelayMs(this.config.deliveryRetryDelaysMs, attempts, verdict.retryAfterMs) : null;
    const status = verdict.outcome === 'success' ? 'delivered' : delay === null ? 'failed' : 'queued';
    const lastError = verdict.outcome === 'success' ? null : verdict.error;
    const retryAt = delay === null ? null : new Date(Date.now() + delay);
    if (retryAt) {
      await this.transactions.run(async (tx) => {
        await this.outbound.recordAttempts([{ id: work.id, status, lastError }], tx);
        await this.queue.retryAt(SEND_MESSAGE_QUEUE, job, retryAt, lastError ?? '', tx.queueDb);
      });
    } else {
      // No transaction, so both writes can join their batches: if the process dies between the two, the job runs
      // again, finds its message settled, and is completed without another attempt.
      await this.records.push({ id: work.id, status, lastError });
      await this.queue.complete(SEND_MESSAGE_QUEUE, job);
    }
    this.queue.wakeAt(SEND_MESSAGE_QUEUE, retryAt ?? undefined);
    this.metrics.delivery(status === 'delivered' ? 'delivered' : retryAt ? 'retried' : 'failed', work.createdAt);
    if (status === 'failed') this.logger.warn({ messageId: work.id, chatId: job.data.chatId, attempts: work.attempts + 1, reason: lastError }, 'Outbound message failed');
  }

  private async attempt(work: DeliveryWork): Promise<AttemptVerdict> {
    const token = work.webhookTokenEncrypted === null ? null : this.secrets.open(work.webhookTokenEncrypted);
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
