import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '#common';
import { SqlTransactions } from '#database';
import { ChatLanes } from './chat-lanes.service.js';
import type { MessageDto } from './chats.dto.js';
import { ConversationsRepository } from './conversations.repository.js';
import { toMessage } from './message.mapper.js';

/** Operator repair: a failed message is queued again, its retry schedule starting over. */
@Injectable()
export class MessagesService {
  constructor(
    private readonly transactions: SqlTransactions,
    private readonly conversations: ConversationsRepository,
    private readonly lanes: ChatLanes,
  ) {}

  async retry(tenantId: string, messageId: string): Promise<MessageDto> {
    const row = await this.transactions.run((tx) => this.conversations.requeueFailed(tx, tenantId, messageId));
    if (row) {
      this.lanes.wake(row.direction === 'inbound' ? 'agent' : 'send');
      return toMessage(row);
    }
    const status = await this.conversations.findStatus(tenantId, messageId);
    if (status === null) throw new AppError(ErrorCode.NOT_FOUND, 'Message not found.');
    throw new AppError(ErrorCode.CONFLICT, `Only a failed message can be retried; this one is ${status}.`);
  }
}
