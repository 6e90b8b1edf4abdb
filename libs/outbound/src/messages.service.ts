import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '#common';
import { QueueService, SqlTransactions } from '#database';
import { AGENT_DELIVER_QUEUE, type AgentDeliveryJob } from '#inbound';
import type { MessageDto } from './chats.dto.js';
import { toMessage } from './conversations.service.js';
import { OutboundMessages } from './outbound-messages.js';
import { OutboundRepository } from './outbound.repository.js';

/** Operator repair: a failed message is queued again, its retry schedule starting over. */
@Injectable()
export class MessagesService {
  constructor(
    private readonly transactions: SqlTransactions,
    private readonly outbound: OutboundRepository,
    private readonly messages: OutboundMessages,
    private readonly queue: QueueService,
  ) {}

  async retry(tenantId: string, messageId: string): Promise<MessageDto> {
    const row = await this.transactions.run(async (tx) => {
      const requeued = await this.outbound.requeueFailed(tx, tenantId, messageId);
      if (!requeued) return null;
      if (requeued.direction === 'outbound') {
        await this.messages.sendJobs(tx, requeued.chat_id, [{ messageId: requeued.id, attemptsBefore: requeued.attempts }]);
      } else {
        const job: AgentDeliveryJob = { tenantId, channelId: requeued.channel_id, chatId: requeued.chat_id, messageId: requeued.id, attemptsBefore: requeued.attempts };
        await this.queue.boss.send(AGENT_DELIVER_QUEUE, job, { db: tx.queueDb, singletonKey: requeued.chat_id });
      }
      return requeued;
    });
    if (row) return toMessage(row);
    const status = await this.outbound.findStatus(tenantId, messageId);
    if (status === null) throw new AppError(ErrorCode.NOT_FOUND, 'Message not found.');
    throw new AppError(ErrorCode.CONFLICT, `Only a failed message can be retried; this one is ${status}.`);
  }
}
