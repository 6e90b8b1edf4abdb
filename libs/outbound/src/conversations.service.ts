import { Injectable } from '@nestjs/common';
import { ChannelsRepository, channelNotFound } from '#channels';
import { AppError, ErrorCode } from '#common';
import { channelChatIdOf, clientChatIdOf } from '#inbound';
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
    clientChatId: clientChatIdOf(row),
    channelChatId: channelChatIdOf(row),
    visitorId: row.visitorId,
    variables: row.variables,
    createdAt: row.createdAt,
    lastMessageAt: row.lastMessageAt,
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
    const id = await this.conversations.findChatId(tenantId, channelId, chatId);
    if (!id) throw new AppError(ErrorCode.NOT_FOUND, 'Chat not found.');
    return page(await this.conversations.listMessages(tenantId, id, limit, after), limit, toMessage);
  }

  private async requireChannel(tenantId: string, channelId: string): Promise<void> {
    if (!(await this.channels.find(tenantId, channelId))) throw channelNotFound();
  }
}
