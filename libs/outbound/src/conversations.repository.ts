import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { isUuid } from '#tenancy';
import type { PagePosition } from './page-cursor.js';

export interface ChatRow {
  id: string;
  clientChatId: string;
  clientChatIdIsNumber: boolean;
  visitorId: string;
  variables: Record<string, string>;
  createdAt: Date;
  lastMessageAt: Date;
  position: string;
}

export interface MessageRow {
  id: string;
  direction: string;
  text: string | null;
  buttons: unknown[] | null;
  client_message_id: string | null;
  status: string;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
  position: string;
}

/** Keyset pages; timestamps compared in whole microseconds, exactly as the cursor carries them. */
const AT = (column: string): string => `(extract(epoch from ${column}) * 1000000)::bigint::text AS position`;
const FROM_MICROS = `'epoch'::timestamptz + $3::bigint * interval '1 microsecond'`;

/** The columns of a MessageRow, for every query that returns messages. */
export const MESSAGE_COLUMNS = `id, direction, text, buttons, client_message_id, status, attempts, last_error, created_at, delivered_at, ${AT('created_at')}`;

@Injectable()
export class ConversationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Newest activity first. Returns up to `limit + 1` rows, so the caller knows whether a next page exists. */
  listChats(tenantId: string, channelId: string, limit: number, after: PagePosition | null): Promise<ChatRow[]> {
    return this.dataSource.query(
      `SELECT id, client_chat_id AS "clientChatId", client_chat_id_is_number AS "clientChatIdIsNumber", visitor_id AS "visitorId",
              variables, created_at AS "createdAt", last_message_at AS "lastMessageAt", ${AT('last_message_at')}
       FROM chats
       WHERE tenant_id = $1 AND channel_id = $2
         AND ($3::bigint IS NULL OR (last_message_at, id) < (${FROM_MICROS}, $4::uuid))
       ORDER BY last_message_at DESC, id DESC
       LIMIT $5`,
      [tenantId, channelId, after?.micros ?? null, after?.id ?? null, limit + 1],
    );
  }

  /** By internal id first (when it is a uuid), then by the client's chat_id. */
  async findChatId(tenantId: string, channelId: string, chatId: string): Promise<string | null> {
    const byId = isUuid(chatId)
      ? ((await this.dataSource.query('SELECT id FROM chats WHERE tenant_id = $1 AND channel_id = $2 AND id = $3', [tenantId, channelId, chatId])) as { id: string }[])
      : [];
    if (byId.length > 0) return byId[0].id;
    const byClientId = (await this.dataSource.query('SELECT id FROM chats WHERE tenant_id = $1 AND channel_id = $2 AND client_chat_id = $3', [tenantId, channelId, chatId])) as { id: string }[];
    return byClientId[0]?.id ?? null;
  }

  /** Oldest first, both directions. Returns up to `limit + 1` rows. */
  listMessages(tenantId: string, chatId: string, limit: number, after: PagePosition | null): Promise<MessageRow[]> {
    return this.dataSource.query(
      `SELECT ${MESSAGE_COLUMNS}
       FROM messages
       WHERE tenant_id = $1 AND chat_id = $2
         AND ($3::bigint IS NULL OR (created_at, id) > (${FROM_MICROS}, $4::uuid))
       ORDER BY created_at ASC, id ASC
       LIMIT $5`,
      [tenantId, chatId, after?.micros ?? null, after?.id ?? null, limit + 1],
    );
  }
}
