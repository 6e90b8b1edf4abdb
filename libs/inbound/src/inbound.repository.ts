import { Injectable } from '@nestjs/common';
import type { ActiveChannel } from '#channels';
import { SqlTransactions, type SqlTransaction } from '#database';
import type { InboundEvent } from './inbound-event.js';

export interface StoredInbound {
  chatId: string;
  messageId: string;
}

/** Marks the path where the message was already accepted: the transaction rolls back, nothing is written. */
export class DuplicateMessage extends Error {}

@Injectable()
export class InboundRepository {
  constructor(private readonly transactions: SqlTransactions) {}

  /**
   * In one transaction: find or create the chat (latest visitor values win), store the message once per
   * (channel, client message id), and let `handOff` enqueue its job. Throws DuplicateMessage, having written
   * nothing, when the message was already accepted.
   */
  async store(channel: ActiveChannel, event: InboundEvent, handOff: (tx: SqlTransaction, stored: StoredInbound) => Promise<void>): Promise<StoredInbound> {
    return this.transactions.run(async (tx) => {
      // One round trip: the chat upsert feeds the message insert.
      const inserted = await tx.query<{ id: string; chat_id: string }>(
        `WITH chat AS (
           INSERT INTO chats (tenant_id, channel_id, client_chat_id, client_chat_id_is_number, visitor_id, variables)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb)
           ON CONFLICT (channel_id, client_chat_id) DO UPDATE
             SET client_chat_id_is_number = EXCLUDED.client_chat_id_is_number,
                 visitor_id = EXCLUDED.visitor_id,
                 variables = chats.variables || EXCLUDED.variables,
                 last_message_at = now()
           RETURNING id
         )
         INSERT INTO messages (tenant_id, channel_id, chat_id, direction, kind, client_message_id, text, payload, status)
         SELECT $1, $2, chat.id, 'inbound', $7, $8, $9, $10::jsonb, 'received' FROM chat
         ON CONFLICT (channel_id, client_message_id) WHERE client_message_id IS NOT NULL DO NOTHING
         RETURNING id, chat_id`,
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
        ],
      );
      if (inserted.length === 0) throw new DuplicateMessage();
      const stored = { chatId: inserted[0].chat_id, messageId: inserted[0].id };
      await handOff(tx, stored);
      return stored;
    });
  }
}
