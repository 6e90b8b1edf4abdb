import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { SqlTransaction } from '#database';
import { laneSql } from '#lanes';
import { isUuid } from '#tenancy';
import { MICROS_OF, messageColumns, type MessageRow } from './message.mapper.js';
import type { PagePosition } from './page-cursor.js';
import type { OutboundDraft } from './replies.js';

export interface ChatRow {
  id: string;
  clientChatId: string;
  clientChatIdIsNumber: boolean;
  visitorId: string;
  variables: Record<string, string>;
  createdAt: Date;
  lastMessageAt: Date;
  closedAt: Date | null;
  closedBy: 'agent' | 'client' | null;
  position: string;
}

export interface ChatRef {
  tenantId: string;
  channelId: string;
  chatId: string;
}

export interface NewOutbound extends OutboundDraft {
  id: string;
}

export type RequeuedMessage = MessageRow & { chatId: string };

const FROM_MICROS = `'epoch'::timestamptz + $3::bigint * interval '1 microsecond'`;

/**
 * Chats and messages as the admin API reads and writes them. Every writer locks the chat row before its messages
 * (the lanes' lock order), and a write that adds work makes its lane due and bumps the lane's counter.
 */
@Injectable()
export class ConversationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Newest activity first. Returns up to `limit + 1` rows, so the caller knows whether a next page exists. */
  listChats(tenantId: string, channelId: string, limit: number, after: PagePosition | null): Promise<ChatRow[]> {
    return this.dataSource.query(
      `SELECT id, client_chat_id AS "clientChatId", client_chat_id_is_number AS "clientChatIdIsNumber", visitor_id AS "visitorId",
              variables, created_at AS "createdAt", last_message_at AS "lastMessageAt", closed_at AS "closedAt",
              closed_by AS "closedBy", ${MICROS_OF('last_message_at')} AS position
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
    const rows = (await this.dataSource.query(
      `SELECT id FROM chats WHERE tenant_id = $1 AND channel_id = $2 AND (id = $3::uuid OR client_chat_id = $4)
       ORDER BY (id = $3::uuid) DESC NULLS LAST LIMIT 1`,
      [tenantId, channelId, isUuid(chatId) ? chatId : null, chatId],
    )) as { id: string }[];
    return rows[0]?.id ?? null;
  }

  /** Oldest first, both directions. Returns up to `limit + 1` rows. */
  listMessages(tenantId: string, chatId: string, limit: number, after: PagePosition | null): Promise<MessageRow[]> {
    return this.dataSource.query(
      `SELECT ${messageColumns()}
       FROM messages
       WHERE tenant_id = $1 AND chat_id = $2
         AND ($3::bigint IS NULL OR (created_at, id) > (${FROM_MICROS}, $4::uuid))
       ORDER BY created_at ASC, id ASC
       LIMIT $5`,
      [tenantId, chatId, after?.micros ?? null, after?.id ?? null, limit + 1],
    );
  }

  /**
   * Queues outbound messages in the given order (ids and timestamps both increase) behind the chat's earlier ones.
   * The chat row is updated (hence locked) first: the insert reads from it.
   */
  async insertOutbound(
    tx: SqlTransaction,
    chat: ChatRef,
    messages: readonly NewOutbound[],
    report: boolean,
  ): Promise<MessageRow[]> {
    // With delivery events on, a message stored `skipped` has reached its final outcome: its report goes with it.
    const reports = report ? messages.filter((message) => message.status === 'skipped').length : 0;
    return tx.query<MessageRow>(
      `WITH chat AS (
         UPDATE chats SET last_message_at = now(), ${laneSql.addWork('send', 'chats')},
                ${laneSql.addWorkIfAny('report', 'chats', '$5::int')}
         WHERE id = $3 AND tenant_id = $1 RETURNING id
       ), inserted AS (
         INSERT INTO messages AS m (id, tenant_id, channel_id, chat_id, direction, kind, text, buttons, payload, status, last_error, created_at)
         SELECT d.id, $1, $2, chat.id, 'outbound', d.kind, d.text, d.buttons, d.payload, COALESCE(d.status, 'queued'), d."lastError", clock_timestamp()
         FROM chat,
              jsonb_to_recordset($4::jsonb) AS d(id uuid, kind text, text text, buttons jsonb, payload jsonb, status text, "lastError" text)
         ORDER BY d.id
         RETURNING m.*
       ), reports AS (
         INSERT INTO agent_reports (tenant_id, chat_id, message_id, message_kind, outcome, error, created_at)
         SELECT i.tenant_id, i.chat_id, i.id, i.kind, i.status, i.last_error, clock_timestamp() FROM inserted i
         WHERE $5::int > 0 AND i.status = 'skipped'
         ORDER BY i.id
       )
       SELECT ${messageColumns('inserted')} FROM inserted ORDER BY inserted.created_at, inserted.id`,
      [chat.tenantId, chat.channelId, chat.chatId, JSON.stringify(messages), reports],
    );
  }

  /**
   * A failed message of the tenant back to queued (outbound) or received (inbound), its retry schedule starting over,
   * and its lane due; null when the tenant has no such failed message.
   */
  async requeueFailed(tx: SqlTransaction, tenantId: string, messageId: string): Promise<RequeuedMessage | null> {
    if (!isUuid(messageId)) return null;
    const [target] = await tx.query<{ chat_id: string; direction: string }>(
      `SELECT chat_id, direction FROM messages WHERE tenant_id = $1 AND id = $2 AND status = 'failed'`,
      [tenantId, messageId],
    );
    if (!target) return null;
    const inbound = target.direction === 'inbound';
    await tx.query(`UPDATE chats SET ${laneSql.addWork(inbound ? 'agent' : 'send', 'chats')} WHERE id = $1`, [
      target.chat_id,
    ]);
    const rows = await tx.query<RequeuedMessage>(
      `UPDATE messages SET status = CASE direction WHEN 'outbound' THEN 'queued' ELSE 'received' END, schedule_base = attempts
       WHERE tenant_id = $1 AND id = $2 AND status = 'failed'
       RETURNING ${messageColumns()}, chat_id AS "chatId"`,
      [tenantId, messageId],
    );
    return rows[0] ?? null;
  }

  /**
   * Every failed message of the channel created in [since, until) back to queued (outbound) or received (inbound),
   * in one transaction: the chats locked first, in id order (the lock order of every writer), their lanes made due
   * and their counters moved, then those chats' messages, each still failed when it is reached (a message retried
   * meanwhile is left alone). A chat's messages then go in their order, as the lanes always take them.
   */
  async requeueFailedIn(
    tx: SqlTransaction,
    tenantId: string,
    channelId: string,
    since: Date,
    until: Date,
  ): Promise<{ inbound: number; outbound: number }> {
    const params = [tenantId, channelId, since.toISOString(), until.toISOString()];
    const window = `tenant_id = $1 AND channel_id = $2 AND status = 'failed' AND created_at >= $3 AND created_at < $4`;
    const locked = await tx.query<{ id: string }>(
      `WITH targets AS (
         SELECT chat_id, count(*) FILTER (WHERE direction = 'inbound') AS inbound,
                count(*) FILTER (WHERE direction = 'outbound') AS outbound
         FROM messages WHERE ${window} GROUP BY chat_id
       ), locked AS (
         SELECT c.id FROM chats c JOIN targets t ON t.chat_id = c.id ORDER BY c.id FOR UPDATE OF c
       )
       UPDATE chats c
       SET ${laneSql.addWorkIfAny('agent', 'c', 't.inbound')}, ${laneSql.addWorkIfAny('send', 'c', 't.outbound')}
       FROM targets t, (SELECT count(*) FROM locked) AS l
       WHERE c.id = t.chat_id
       RETURNING c.id`,
      params,
    );
    if (locked.length === 0) return { inbound: 0, outbound: 0 };
    const rows = await tx.query<{ inbound: string; outbound: string }>(
      `WITH requeued AS (
         UPDATE messages SET status = CASE direction WHEN 'outbound' THEN 'queued' ELSE 'received' END,
                             schedule_base = attempts
         WHERE ${window} AND chat_id = ANY($5::uuid[])
         RETURNING direction
       )
       SELECT count(*) FILTER (WHERE direction = 'inbound') AS inbound,
              count(*) FILTER (WHERE direction = 'outbound') AS outbound
       FROM requeued`,
      // Only the chats locked (and made due) above: while this transaction holds them no settle can fail another of
      // their messages, and a message failed since in another chat waits for the next replay rather than sit queued
      // on a lane nobody made due.
      [...params, locked.map((row) => row.id)],
    );
    return { inbound: Number(rows[0]?.inbound ?? 0), outbound: Number(rows[0]?.outbound ?? 0) };
  }

  async findStatus(tenantId: string, messageId: string): Promise<string | null> {
    if (!isUuid(messageId)) return null;
    const rows = (await this.dataSource.query('SELECT status FROM messages WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      messageId,
    ])) as { status: string }[];
    return rows[0]?.status ?? null;
  }
}
