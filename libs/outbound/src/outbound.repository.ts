import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { SqlTransaction } from '#database';
import { isUuid } from '#tenancy';
import type { OutboundDraft } from './agent-replies.js';
import { MESSAGE_COLUMNS, type MessageRow } from './conversations.repository.js';

/** A visitor message waiting for the Agent, with what the runtime is told about its chat. */
export interface InboundWork {
  id: string;
  status: string;
  text: string;
  clientMessageId: string | null;
  attempts: number;
  tenantId: string;
  channelId: string;
  agentId: string;
  chatId: string;
  clientChatId: string;
  visitorId: string;
  variables: Record<string, string>;
}

/** An outbound message with where and how it goes. */
export interface DeliveryWork {
  id: string;
  status: string;
  kind: 'operator' | 'keyboard';
  text: string | null;
  buttons: unknown[] | null;
  attempts: number;
  createdAt: Date;
  clientChatId: string;
  clientChatIdIsNumber: boolean;
  webhookUrl: string;
  webhookTokenEncrypted: string | null;
}

export interface ChatRef {
  tenantId: string;
  channelId: string;
  chatId: string;
}

export interface AttemptRecord {
  id: string;
  status: string;
  lastError: string | null;
}

function aligned<Row extends { id: string }>(ids: readonly string[], rows: Row[]): (Row | null)[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id) ?? null);
}

export interface NewOutbound extends OutboundDraft {
  id: string;
}

@Injectable()
export class OutboundRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Several at once (jobs are fetched in batches); the result is aligned with `messageIds`. */
  async loadInbound(messageIds: readonly string[]): Promise<(InboundWork | null)[]> {
    const rows = (await this.dataSource.query(
      `SELECT m.id, m.status, m.text, m.client_message_id AS "clientMessageId", m.attempts, m.tenant_id AS "tenantId",
              m.channel_id AS "channelId", ch.agent_id AS "agentId", c.id AS "chatId", c.client_chat_id AS "clientChatId",
              c.visitor_id AS "visitorId", c.variables
       FROM messages m JOIN chats c ON c.id = m.chat_id JOIN channels ch ON ch.id = m.channel_id
       WHERE m.id = ANY($1::uuid[]) AND m.direction = 'inbound'`,
      [messageIds],
    )) as InboundWork[];
    return aligned(messageIds, rows);
  }

  async loadDelivery(messageIds: readonly string[]): Promise<(DeliveryWork | null)[]> {
    const rows = (await this.dataSource.query(
      `SELECT m.id, m.status, m.kind, m.text, m.buttons, m.attempts, m.created_at AS "createdAt",
              c.client_chat_id AS "clientChatId", c.client_chat_id_is_number AS "clientChatIdIsNumber",
              ch.webhook_url AS "webhookUrl", ch.webhook_token_encrypted AS "webhookTokenEncrypted"
       FROM messages m JOIN chats c ON c.id = m.chat_id JOIN channels ch ON ch.id = m.channel_id
       WHERE m.id = ANY($1::uuid[]) AND m.direction = 'outbound'`,
      [messageIds],
    )) as DeliveryWork[];
    return aligned(messageIds, rows);
  }

  /** One more attempt on record for each message; `status` is its status after it. In `tx`, or on its own. */
  async recordAttempts(attempts: readonly AttemptRecord[], tx?: SqlTransaction): Promise<void> {
    await (tx ?? this.dataSource).query(
      `UPDATE messages m
       SET attempts = m.attempts + 1, status = a.status, last_error = COALESCE(a."lastError", m.last_error),
           delivered_at = CASE WHEN a.status = 'delivered' THEN now() ELSE m.delivered_at END
       FROM jsonb_to_recordset($1::jsonb) AS a(id uuid, status text, "lastError" text)
       WHERE m.id = a.id AND m.id = ANY($2::uuid[])`,
      // The id list lets the planner look the rows up by key: it cannot see into the recordset.
      [JSON.stringify(attempts), attempts.map((attempt) => attempt.id)],
    );
  }

  /**
   * In one statement (PostgreSQL runs every data-modifying CTE, referenced or not): stores outbound messages in the
   * given order (ids and timestamps both increase), touches the chat and, when they answer a visitor message, counts
   * the Agent call and marks that message answered. Replies to a message that is no longer `received` (a lapsed claim
   * ran twice) are not stored again.
   */
  async insertOutbound(tx: SqlTransaction, chat: ChatRef, messages: readonly NewOutbound[], answering: string | null): Promise<MessageRow[]> {
    return tx.query<MessageRow>(
      `WITH answered AS (
         UPDATE messages SET attempts = attempts + 1, status = 'answered' WHERE id = $5 AND status = 'received' RETURNING id
       ), touched AS (
         UPDATE chats SET last_message_at = now() WHERE id = $3 RETURNING id
       )
       INSERT INTO messages (id, tenant_id, channel_id, chat_id, direction, kind, text, buttons, payload, status, created_at)
       SELECT d.id, $1, $2, $3, 'outbound', d.kind, d.text, d.buttons, d.payload, 'queued', clock_timestamp()
       FROM jsonb_to_recordset($4::jsonb) AS d(id uuid, kind text, text text, buttons jsonb, payload jsonb)
       WHERE $5::uuid IS NULL OR EXISTS (SELECT 1 FROM answered)
       ORDER BY d.id
       RETURNING ${MESSAGE_COLUMNS}`,
      [chat.tenantId, chat.channelId, chat.chatId, JSON.stringify(messages), answering],
    );
  }

  /** A failed message of the tenant back to queued (outbound) or received (inbound); null when there is none such. */
  async requeueFailed(tx: SqlTransaction, tenantId: string, messageId: string): Promise<(MessageRow & { chat_id: string; channel_id: string }) | null> {
    if (!isUuid(messageId)) return null;
    const rows = await tx.query<MessageRow & { chat_id: string; channel_id: string }>(
      `UPDATE messages SET status = CASE direction WHEN 'outbound' THEN 'queued' ELSE 'received' END
       WHERE tenant_id = $1 AND id = $2 AND status = 'failed'
       RETURNING ${MESSAGE_COLUMNS}, chat_id, channel_id`,
      [tenantId, messageId],
    );
    return rows[0] ?? null;
  }

  async findStatus(tenantId: string, messageId: string): Promise<string | null> {
    if (!isUuid(messageId)) return null;
    const rows = (await this.dataSource.query('SELECT status FROM messages WHERE tenant_id = $1 AND id = $2', [tenantId, messageId])) as { status: string }[];
    return rows[0]?.status ?? null;
  }

  /** Jobs waiting or running, by queue and state, read live for the queue depth gauge. */
  async queueDepth(queues: readonly string[]): Promise<{ name: string; state: string; count: number }[]> {
    return (await this.dataSource.query(
      `SELECT name, state::text AS state, count(*)::int AS count FROM pgboss.job
       WHERE name = ANY($1) AND state IN ('created', 'retry', 'active') GROUP BY name, state`,
      [queues],
    )) as { name: string; state: string; count: number }[];
  }
}
