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

export interface NewOutbound extends OutboundDraft {
  id: string;
}

@Injectable()
export class OutboundRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async loadInbound(messageId: string): Promise<InboundWork | null> {
    const rows = (await this.dataSource.query(
      `SELECT m.id, m.status, m.text, m.client_message_id AS "clientMessageId", m.attempts, m.tenant_id AS "tenantId",
              m.channel_id AS "channelId", ch.agent_id AS "agentId", c.id AS "chatId", c.client_chat_id AS "clientChatId",
              c.visitor_id AS "visitorId", c.variables
       FROM messages m JOIN chats c ON c.id = m.chat_id JOIN channels ch ON ch.id = m.channel_id
       WHERE m.id = $1 AND m.direction = 'inbound'`,
      [messageId],
    )) as InboundWork[];
    return rows[0] ?? null;
  }

  async loadDelivery(messageId: string): Promise<DeliveryWork | null> {
    const rows = (await this.dataSource.query(
      `SELECT m.id, m.status, m.kind, m.text, m.buttons, m.attempts, m.created_at AS "createdAt",
              c.client_chat_id AS "clientChatId", c.client_chat_id_is_number AS "clientChatIdIsNumber",
              ch.webhook_url AS "webhookUrl", ch.webhook_token_encrypted AS "webhookTokenEncrypted"
       FROM messages m JOIN chats c ON c.id = m.chat_id JOIN channels ch ON ch.id = m.channel_id
       WHERE m.id = $1 AND m.direction = 'outbound'`,
      [messageId],
    )) as DeliveryWork[];
    return rows[0] ?? null;
  }

  /** One more attempt on record; `status` is the message's status after it. */
  async recordAttempt(tx: SqlTransaction, messageId: string, status: string, lastError: string | null): Promise<void> {
    await tx.query(
      `UPDATE messages
       SET attempts = attempts + 1, status = $2, last_error = COALESCE($3, last_error),
           delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END
       WHERE id = $1`,
      [messageId, status, lastError],
    );
  }

  /** Stores outbound messages in the given order (ids and timestamps both increase) and touches the chat. */
  async insertOutbound(tx: SqlTransaction, chat: ChatRef, messages: readonly NewOutbound[]): Promise<MessageRow[]> {
    if (messages.length === 0) return [];
    const rows = await tx.query<MessageRow>(
      `INSERT INTO messages (id, tenant_id, channel_id, chat_id, direction, kind, text, buttons, payload, status, created_at)
       SELECT d.id, $1, $2, $3, 'outbound', d.kind, d.text, d.buttons, d.payload, 'queued', clock_timestamp()
       FROM jsonb_to_recordset($4::jsonb) AS d(id uuid, kind text, text text, buttons jsonb, payload jsonb)
       ORDER BY d.id
       RETURNING ${MESSAGE_COLUMNS}`,
      [chat.tenantId, chat.channelId, chat.chatId, JSON.stringify(messages)],
    );
    await tx.query('UPDATE chats SET last_message_at = now() WHERE id = $1', [chat.chatId]);
    return rows;
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
