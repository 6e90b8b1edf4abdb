import { Injectable } from '@nestjs/common';
import { ChannelsRepository } from '#channels';
import { AppError, ErrorCode } from '#common';
import { isUuid } from '#tenancy';
import type { ChatDto, ChatPageDto, MessageDto, MessagePageDto } from './chats.dto.js';
import { ConversationsRepository, type ChatRow, type MessageRow } from './conversations.repository.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';

export const DEFAULT_PAGE_SIZE = 50;

function page<Row extends { id: string; position: string }, Item>(rows: Row[], limit: number, toItem: (row: Row) => Item): { items: Item[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(toItem), nextCursor: rows.length > limit && last ? encodeCursor({ micros: last.position, id: last.id }) : null };
}

function toChat(row: ChatRow): ChatDto {
  return {
    id: row.id,
    clientChatId: row.client_chat_id_is_number ? Number(row.client_chat_id) : row.client_chat_id,
    channelChatId: `${row.client_chat_id}|omnichannel`,
    visitorId: row.visitor_id,
    variables: row.variables,
    createdAt: row.created_at,
    lastMessageAt: row.last_message_at,
  };
}

function toMessage(row: MessageRow): MessageDto {
  return {
    id: row.id,
    direction: row.direction,
    text: row.text,
    ...(row.buttons === null ? {} : { buttons: row.buttons }),
    ...(row.client_message_id === null ? {} : { clientMessageId: row.client_message_id }),
    status: row.status,
    attempts: row.attempts,
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    createdAt: row.created_at,
    ...(row.delivered_at === null ? {} : { deliveredAt: row.delivered_at }),
  };
}

/** The admin view of a channel's chats and their messages (admin-api.md "Chats and messages"). */
@Injectable()
export class ConversationsService {
  constructor(
    private readonly conversations: ConversationsRepository,
    private readonly channels: ChannelsRepository,
  ) {}

  async listChats(tenantId: string, channelId: string, limit = DEFAULT_PAGE_SIZE, cursor?: string): Promise<ChatPageDto> {
    const after = cursor === undefined ? null : decodeCursor(cursor);
    await this.requireChannel(tenantId, channelId);
    return page(await this.conversations.listChats(tenantId, channelId, limit, after), limit, toChat);
  }

  async listMessages(tenantId: string, channelId: string, chatId: string, limit = DEFAULT_PAGE_SIZE, cursor?: string): Promise<MessagePageDto> {
    const after = cursor === undefined ? null : decodeCursor(cursor);
    await this.requireChannel(tenantId, channelId);
    const id = await this.conversations.findChatId(tenantId, channelId, chatId, isUuid(chatId));
    if (!id) throw new AppError(ErrorCode.NOT_FOUND, 'Chat not found.');
    return page(await this.conversations.listMessages(tenantId, id, limit, after), limit, toMessage);
  }

  private async requireChannel(tenantId: string, channelId: string): Promise<void> {
    if (!isUuid(channelId) || !(await this.channels.find(tenantId, channelId))) throw new AppError(ErrorCode.NOT_FOUND, 'Channel not found.');
  }
}
