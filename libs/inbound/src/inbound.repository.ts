import { Injectable } from '@nestjs/common';
import type { ActiveChannel } from '#channels';
import { uuid7 } from '#common';
import { prepared } from '#database';
import { ChatLanes, laneSql } from '#lanes';
import type { InboundEvent } from './inbound-event.js';

export interface StoredInbound {
  chatId: string;
  messageId: string;
}

const ACCEPT = prepared(
  'inbound_accept',
  `WITH channel AS (
    SELECT id FROM channels WHERE id = $2 AND active FOR KEY SHARE
  ), chat AS (
    INSERT INTO chats (tenant_id, channel_id, client_chat_id, client_chat_id_is_number, visitor_id, variables, ${laneSql.insertColumns('agent')})
    SELECT $1, channel.id, $3, $4, $5, $6::jsonb, ${laneSql.insertValues()} FROM channel
    WHERE NOT EXISTS (SELECT 1 FROM messages WHERE channel_id = $2 AND client_message_id = $8)
    ON CONFLICT (channel_id, client_chat_id) DO UPDATE
      SET client_chat_id_is_number = EXCLUDED.client_chat_id_is_number,
          visitor_id = EXCLUDED.visitor_id,
          variables = chats.variables || EXCLUDED.variables,
          last_message_at = now(),
          closed_at = NULL,
          closed_by = NULL,
          ${laneSql.addWork('agent', 'chats')}
    RETURNING id
  ), message AS (
    INSERT INTO messages (id, tenant_id, channel_id, chat_id, direction, kind, client_message_id, text, payload, status, trace_context)
    SELECT $11, $1, $2, chat.id, 'inbound', $7, $8, $9, $10::jsonb, 'received', $12 FROM chat
    ON CONFLICT (channel_id, client_message_id) WHERE client_message_id IS NOT NULL DO NOTHING
    RETURNING id, chat_id
  )
  SELECT id, chat_id, true AS channel_active FROM message
  UNION ALL
  SELECT NULL, NULL, false WHERE NOT EXISTS (SELECT 1 FROM channel)`,
);

/**
 * The client server closed a chat: one statement, like an accept. The chat (found by channel and `chat_id`, locked
 * by the update) becomes closed by the client, and a `chat_closed` event is stored as an inbound message `received`
 * on its Agent lane, so the Agent runtime hears of it after the chat's earlier messages. A chat already closed is
 * left as it is and nothing is stored: the Agent hears of a close once.
 */
const CLOSE = prepared(
  'inbound_chat_closed',
  `WITH channel AS (
    SELECT id FROM channels WHERE id = $2 AND active FOR KEY SHARE
  ), chat AS (
    SELECT c.id FROM chats c JOIN channel ON c.channel_id = channel.id WHERE c.client_chat_id = $3
  ), closed AS (
    UPDATE chats c
    SET closed_at = now(), closed_by = 'client', client_chat_id_is_number = $4, ${laneSql.addWork('agent', 'c')}
    FROM chat WHERE c.id = chat.id AND c.closed_at IS NULL
    RETURNING c.id
  ), event AS (
    INSERT INTO messages (id, tenant_id, channel_id, chat_id, direction, kind, text, status, trace_context)
    SELECT $5, $1, $2, closed.id, 'inbound', 'chat_closed', '', 'received', $6 FROM closed
    RETURNING id
  )
  SELECT EXISTS (SELECT 1 FROM channel) AS "channelActive", EXISTS (SELECT 1 FROM chat) AS "chatFound",
         EXISTS (SELECT 1 FROM event) AS "closed"`,
);

/** What a `chat_closed` event came to. */
export type CloseOutcome = 'closed' | 'already-closed' | 'unknown-chat' | 'no-channel';

/** What storing an event came to: stored, a repeat of a stored message, or no active channel any more. */
export type AcceptOutcome = { stored: StoredInbound } | 'duplicate' | 'no-channel';

@Injectable()
export class InboundRepository {
  constructor(private readonly lanes: ChatLanes) {}

  /**
   * The whole hand-off to the Agent in one autocommitted statement (run by the lanes, which wake the Agent lane's
   * workers once it has committed): check the channel is still there and active
   * (the lookup may be cached, or the channel deleted or deactivated since), find or create the chat (latest visitor
   * values win), make its Agent lane due unless it already is (or is held by a worker, or waits out a backoff), bump
   * its inbound counter, and store the message once per (channel, client message id). Locks go channel (key share,
   * so a delete waits for this statement or this statement sees the channel gone), then chat, then message: the
   * order a channel delete's cascade takes, and the lanes' order below it. A repeat seen as such writes nothing;
   * copies racing each other may each touch the chat with the same values before one of them stores the message.
   * `traceContext` (a W3C traceparent, null with tracing off) is stored with the message for the Agent call to continue.
   */
  async accept(
    channel: ActiveChannel,
    event: InboundEvent,
    traceContext: string | null = null,
  ): Promise<AcceptOutcome> {
    const rows = await this.lanes.write<{ id: string | null; chat_id: string | null; channel_active: boolean }>(
      'agent',
      ACCEPT,
      [
        channel.tenantId,
        channel.id,
        String(event.chatId),
        typeof event.chatId === 'number',
        event.visitorId,
        JSON.stringify(event.visitorFields),
        event.kind,
        event.clientMessageId,
        event.text,
        event.payload === null ? null : JSON.stringify(event.payload),
        // Time-ordered: each insert lands at the right edge of the primary key, not on a random page of it (a random
        // id dirtied, and after each checkpoint wrote in full, a page of the index per message).
        uuid7(),
        traceContext,
      ],
      // The Agent lane's workers are woken only for a message stored.
      (result) => result.some((row) => row.id !== null),
    );
    if (rows.length === 0) return 'duplicate';
    const [row] = rows;
    if (!row.channel_active || row.id === null || row.chat_id === null) return 'no-channel';
    return { stored: { chatId: row.chat_id, messageId: row.id } };
  }

  /** The client server's `chat_closed` (protocol section 1, row 6b); the Agent lane is woken when it was stored. */
  async close(
    channel: ActiveChannel,
    chatId: number | string,
    traceContext: string | null = null,
  ): Promise<CloseOutcome> {
    const [row] = await this.lanes.write<{ channelActive: boolean; chatFound: boolean; closed: boolean }>(
      'agent',
      CLOSE,
      [channel.tenantId, channel.id, String(chatId), typeof chatId === 'number', uuid7(), traceContext],
      (rows) => rows.some((one) => one.closed),
    );
    if (!row.channelActive) return 'no-channel';
    if (!row.chatFound) return 'unknown-chat';
    return row.closed ? 'closed' : 'already-closed';
  }
}
