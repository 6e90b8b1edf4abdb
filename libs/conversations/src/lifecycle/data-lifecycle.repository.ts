import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ENDED_STATUSES } from '../message-status.js';

/** Rows one statement of the sweep or the purge touches at most: each is a short transaction of its own. */
export const MESSAGE_BATCH = 2_000;
export const CHAT_BATCH = 200;

const ENDED = ENDED_STATUSES.map((status) => `'${status}'`).join(', ');

export interface TenantRetention {
  tenantId: string;
  retentionSeconds: number;
}

export interface VisitorChat {
  id: string;
  clientChatId: string;
  clientChatIdIsNumber: boolean;
  variables: Record<string, string>;
  createdAt: Date;
  lastMessageAt: Date;
  closedAt: Date | null;
  closedBy: 'agent' | 'client' | null;
}

/**
 * The data lifecycle's SQL (docs/operations.md, "Data lifecycle"): the retention sweep, the purge of deleted
 * channels, agents and tenants, and a visitor's erasure. Every statement that deletes a chat's messages locks the
 * chat first (the lanes' lock order: chat, then its messages); every batch is bounded and belongs to one tenant.
 */
@Injectable()
export class DataLifecycleRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Live tenants with the retention in force for each. */
  async retentions(defaultSeconds: number): Promise<TenantRetention[]> {
    return this.dataSource.query(
      `SELECT id AS "tenantId", COALESCE(message_retention_seconds, $1::int) AS "retentionSeconds"
       FROM tenants WHERE deleted_at IS NULL ORDER BY id`,
      [defaultSeconds],
    );
  }

  /**
   * One batch of a tenant's ended messages (answered, delivered or failed) older than its retention. A pending
   * message (received or queued: waiting, in backoff or claimed) is not in the index this reads, so it is never
   * deleted here. Rows another transaction holds are skipped (a retry moving a failed message back to the queue).
   */
  async deleteExpiredMessages(tenantId: string, retentionSeconds: number): Promise<number> {
    const [, deleted] = (await this.dataSource.query(
      `DELETE FROM messages WHERE id IN (
         SELECT id FROM messages
         WHERE tenant_id = $1 AND status IN (${ENDED}) AND created_at < now() - $2::int * interval '1 second'
         LIMIT $3 FOR UPDATE SKIP LOCKED)`,
      [tenantId, retentionSeconds, MESSAGE_BATCH],
    )) as [unknown, number];
    return deleted;
  }

  /**
   * One batch of a tenant's chats with no message left, no work on either lane and no activity within the
   * retention. The candidates are locked and re-checked at their latest version: a visitor message accepted
   * meanwhile (which moves last_message_at and makes the Agent lane due) keeps its chat.
   */
  async deleteIdleChats(tenantId: string, retentionSeconds: number): Promise<number> {
    const [, deleted] = (await this.dataSource.query(
      `DELETE FROM chats WHERE id IN (
         SELECT c.id FROM chats c
         WHERE c.channel_id IN (SELECT id FROM channels WHERE tenant_id = $1)
           AND c.last_message_at < now() - $2::int * interval '1 second'
           AND c.agent_due_at IS NULL AND c.send_due_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = c.id)
         LIMIT $3 FOR UPDATE OF c SKIP LOCKED)`,
      [tenantId, retentionSeconds, CHAT_BATCH],
    )) as [unknown, number];
    return deleted;
  }

  /** Deleted channels still holding rows, oldest deletion first. */
  async deletedChannels(limit: number): Promise<{ id: string; tenantId: string }[]> {
    return this.dataSource.query(
      `SELECT id, tenant_id AS "tenantId" FROM channels WHERE deleted_at IS NOT NULL ORDER BY deleted_at, id LIMIT $1`,
      [limit],
    );
  }

  /**
   * One step of a deleted channel's purge: up to MESSAGE_BATCH messages of up to CHAT_BATCH of its chats, or, when
   * those chats have no message left, the chats themselves; when it has no chat left, the channel row. Returns what
   * it removed, so the caller knows when the channel is gone.
   */
  async purgeChannelStep(channelId: string): Promise<{ messages: number; chats: number; channelGone: boolean }> {
    const chats =
      // Any CHAT_BATCH of them, in index order: sorting a large channel's chats for each step would cost more.
      (
        (await this.dataSource.query(`SELECT id FROM chats WHERE channel_id = $1 LIMIT $2`, [
          channelId,
          CHAT_BATCH,
        ])) as { id: string }[]
      ).map((row) => row.id);
    if (chats.length === 0) {
      const [, gone] = (await this.dataSource.query(
        `DELETE FROM channels WHERE id = $1 AND deleted_at IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM chats WHERE channel_id = $1)`,
        [channelId],
      )) as [unknown, number];
      return { messages: 0, chats: 0, channelGone: gone > 0 };
    }
    const messages = await this.deleteMessagesOf(chats);
    if (messages > 0) return { messages, chats: 0, channelGone: false };
    const [, removed] = (await this.dataSource.query(`DELETE FROM chats WHERE id = ANY($1::uuid[])`, [chats])) as [
      unknown,
      number,
    ];
    return { messages: 0, chats: removed, channelGone: false };
  }

  /** Up to MESSAGE_BATCH messages of these chats, the chats locked first (in id order). */
  private async deleteMessagesOf(chatIds: readonly string[]): Promise<number> {
    const rows = (await this.dataSource.query(
      `WITH locked AS (SELECT id FROM chats WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE),
       gone AS (
         DELETE FROM messages WHERE id IN (
           SELECT m.id FROM messages m WHERE m.chat_id IN (SELECT id FROM locked) LIMIT $2)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [chatIds, MESSAGE_BATCH],
    )) as { n: number }[];
    return rows[0].n;
  }

  /** Agents deleted (by themselves or with their tenant) whose channels are all gone; then such tenants. */
  async removeEmptiedOwners(): Promise<{ agents: number; tenants: number }> {
    const [, agents] = (await this.dataSource.query(
      `DELETE FROM agents a WHERE a.deleted_at IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM channels c WHERE c.tenant_id = a.tenant_id AND c.agent_id = a.agent_id)`,
    )) as [unknown, number];
    const [, tenants] = (await this.dataSource.query(
      `DELETE FROM tenants t WHERE t.deleted_at IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM agents a WHERE a.tenant_id = t.id)`,
    )) as [unknown, number];
    return { agents, tenants };
  }

  /**
   * Offboarding: from this commit the tenant's API keys are gone (401), its channels inactive and deleted (the
   * webhook answers 400, the lanes hand none of their chats to a worker), its agents deleted. False when there is no
   * such live tenant. The rest is the purge's.
   */
  async deleteTenant(tenantId: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [, marked] = (await manager.query(
        `UPDATE tenants SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING 1`,
        [tenantId],
      )) as [unknown, number];
      if (marked === 0) return false;
      await manager.query(`DELETE FROM api_keys WHERE tenant_id = $1`, [tenantId]);
      await manager.query(
        `UPDATE channels SET deleted_at = COALESCE(deleted_at, now()), active = false WHERE tenant_id = $1`,
        [tenantId],
      );
      await manager.query(`UPDATE agents SET deleted_at = COALESCE(deleted_at, now()) WHERE tenant_id = $1`, [
        tenantId,
      ]);
      return true;
    });
  }

  /** The visitor's chats in a channel, oldest first. */
  visitorChats(tenantId: string, channelId: string, visitorId: string): Promise<VisitorChat[]> {
    return this.dataSource.query(
      `SELECT id, client_chat_id AS "clientChatId", client_chat_id_is_number AS "clientChatIdIsNumber", variables,
              created_at AS "createdAt", last_message_at AS "lastMessageAt", closed_at AS "closedAt", closed_by AS "closedBy"
       FROM chats WHERE tenant_id = $1 AND channel_id = $2 AND visitor_id = $3
       ORDER BY created_at, id`,
      [tenantId, channelId, visitorId],
    );
  }

  /**
   * Erases a visitor: every chat of `visitorId` in the channel with all its messages, pending ones included, in one
   * statement (chats locked first, in id order). A lane step under way for one of them then settles nothing: its
   * chat is gone. A later message of the visitor starts a new chat.
   */
  async eraseVisitor(
    tenantId: string,
    channelId: string,
    visitorId: string,
  ): Promise<{ chats: number; messages: number }> {
    const rows = (await this.dataSource.query(
      `WITH locked AS (
         SELECT id FROM chats WHERE tenant_id = $1 AND channel_id = $2 AND visitor_id = $3 ORDER BY id FOR UPDATE
       ), messages_gone AS (
         DELETE FROM messages WHERE chat_id IN (SELECT id FROM locked) RETURNING 1
       ), chats_gone AS (
         DELETE FROM chats WHERE id IN (SELECT id FROM locked) AND (SELECT count(*) FROM messages_gone) >= 0
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM chats_gone)::int AS chats, (SELECT count(*) FROM messages_gone)::int AS messages`,
      [tenantId, channelId, visitorId],
    )) as { chats: number; messages: number }[];
    return rows[0];
  }
}
