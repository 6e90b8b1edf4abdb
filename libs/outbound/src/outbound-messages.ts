import { Injectable, type OnModuleInit } from '@nestjs/common';
import { uuid7 } from '#common';
import { CHAT_FIFO_QUEUE, QueueService, type SqlTransaction } from '#database';
import type { OutboundDraft } from './agent-replies.js';
import type { MessageRow } from './conversations.repository.js';
import { OutboundRepository, type ChatRef } from './outbound.repository.js';
import { SEND_MESSAGE_QUEUE, type SendMessageJob } from './send-message.job.js';

/** Queues outbound messages: the rows and their delivery jobs are written in the caller's transaction. */
@Injectable()
export class OutboundMessages implements OnModuleInit {
  constructor(
    private readonly outbound: OutboundRepository,
    private readonly queue: QueueService,
  ) {}

  /** Every role may queue messages (an api replica through the admin API), so every role makes sure the queue exists. */
  async onModuleInit(): Promise<void> {
    await this.queue.ensureQueue(SEND_MESSAGE_QUEUE, CHAT_FIFO_QUEUE);
  }

  /** `answering`: the visitor message these reply to, marked answered in the same statement. */
  async enqueue(tx: SqlTransaction, chat: ChatRef, drafts: readonly OutboundDraft[], answering: string | null = null): Promise<MessageRow[]> {
    const rows = await this.outbound.insertOutbound(tx, chat, drafts.map((draft) => ({ ...draft, id: uuid7() })), answering);
    await this.sendJobs(tx, chat.chatId, rows.map((row) => ({ messageId: row.id, attemptsBefore: 0 })));
    return rows;
  }

  /**
   * pg-boss stamps jobs with the transaction's start, so jobs written together tie on created_on and key_strict_fifo
   * falls back to their ids: uuid7 ids, made in order, keep them in order.
   */
  async sendJobs(tx: SqlTransaction, chatId: string, messages: readonly { messageId: string; attemptsBefore: number }[]): Promise<void> {
    if (messages.length === 0) return;
    const jobs = messages.map((message) => {
      const data: SendMessageJob = { messageId: message.messageId, chatId, attemptsBefore: message.attemptsBefore };
      return { id: uuid7(), data, singletonKey: chatId };
    });
    await this.queue.boss.insert(SEND_MESSAGE_QUEUE, jobs, { db: tx.queueDb });
  }
}
