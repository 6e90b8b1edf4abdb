import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '#common';
import { ChatLanes } from '#lanes';
import type { MessageDto } from './chats.dto.js';
import { ConversationsRepository } from './conversations.repository.js';
import { toMessage } from './message.mapper.js';

/** Operator repair: a failed message is queued again, its retry schedule starting over. */
@Injectable()
export class MessagesService {
  constructor(
    private readonly conversations: ConversationsRepository,
    private readonly lanes: ChatLanes,
  ) {}

  async retry(tenantId: string, messageId: string): Promise<MessageDto> {
    const row = await this.lanes.transaction(
      (tx) => this.conversations.requeueFailed(tx, tenantId, messageId),
      (requeued) => (requeued === null ? null : requeued.direction === 'inbound' ? 'agent' : 'send'),
    );
    if (row) return toMessage(row);
    const status = await this.conversations.findStatus(tenantId, messageId);
    if (status === null) throw new AppError(ErrorCode.NOT_FOUND, 'Message not found.');
    throw new AppError(ErrorCode.CONFLICT, `Only a failed message can be retried; this one is ${status}.`);
  }
}
