import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ChannelEntity } from '#channels';

/**
 * One conversation of a channel, keyed by the client's `chat_id` (one chat per channel and chat_id). The chat is also
 * the unit of delivery scheduling: its two lanes (docs/architecture.md, "Delivery engine: chat lanes") say when its
 * oldest waiting message is due for the Agent runtime and for the client server.
 */
@Entity({ name: 'chats' })
@Index('chats_channel_client_chat_key', ['channelId', 'clientChatId'], { unique: true })
@Index('chats_channel_last_message_idx', ['channelId', 'lastMessageAt'])
@Index('chats_channel_visitor_idx', ['channelId', 'visitorId'])
@Index('chats_agent_due_idx', ['agentDueAt'], { where: '"agent_due_at" IS NOT NULL' })
@Index('chats_send_due_idx', ['sendDueAt'], { where: '"send_due_at" IS NOT NULL' })
@Index('chats_report_due_idx', ['reportDueAt'], { where: '"report_due_at" IS NOT NULL' })
export class ChatEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @ManyToOne(() => ChannelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id' })
  channel?: ChannelEntity;

  /** `chat_id` as text; `clientChatIdIsNumber` restores its JSON type for replies. */
  @Column({ name: 'client_chat_id', type: 'text' })
  clientChatId!: string;

  @Column({ name: 'client_chat_id_is_number', type: 'boolean' })
  clientChatIdIsNumber!: boolean;

  @Column({ name: 'visitor_id', type: 'text' })
  visitorId!: string;

  @Column({ name: 'variables', type: 'jsonb', default: () => "'{}'" })
  variables!: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_message_at', type: 'timestamptz', default: () => 'now()' })
  lastMessageAt!: Date;

  /**
   * Agent lane: when the oldest `received` visitor message is due for the Agent runtime; null when none waits. A claim
   * leaves it as it is; a settle moves it (now, a retry time, or null).
   */
  @Column({ name: 'agent_due_at', type: 'timestamptz', nullable: true })
  agentDueAt!: Date | null;

  /**
   * A worker holds the Agent lane until then (its lease, and its settle's fence); null or past: nobody does. A claim
   * writes only this column, which no index covers: PostgreSQL makes it a HOT update (no index entry, pruned in place).
   */
  @Column({ name: 'agent_claimed_until', type: 'timestamptz', nullable: true })
  agentClaimedUntil!: Date | null;

  /** Send lane: when the oldest `queued` outbound message is due for the client server; null when none waits. */
  @Column({ name: 'send_due_at', type: 'timestamptz', nullable: true })
  sendDueAt!: Date | null;

  @Column({ name: 'send_claimed_until', type: 'timestamptz', nullable: true })
  sendClaimedUntil!: Date | null;

  /** Bumped by every accepted visitor message: a settle that sees it move knows a message arrived meanwhile. */
  @Column({ name: 'inbound_seq', type: 'bigint', default: 0 })
  inboundSeq!: string;

  /** Bumped by every queued outbound message, for the send lane's settle. */
  @Column({ name: 'outbound_seq', type: 'bigint', default: 0 })
  outboundSeq!: string;

  /**
   * Report lane (AGENT_DELIVERY_EVENTS): when the chat's oldest delivery report is due for the Agent runtime; null when
   * none waits. Its lease and counter work like the other two lanes'.
   */
  @Column({ name: 'report_due_at', type: 'timestamptz', nullable: true })
  reportDueAt!: Date | null;

  @Column({ name: 'report_claimed_until', type: 'timestamptz', nullable: true })
  reportClaimedUntil!: Date | null;

  @Column({ name: 'report_seq', type: 'bigint', default: 0 })
  reportSeq!: string;

  /**
   * Set when the chat was closed: by the Agent (its `close_chat` delivered) or by the client server (a `chat_closed`
   * event); null while it is open. The next visitor message reopens it.
   */
  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;

  /** Who closed it: `agent` or `client`; null while open. */
  @Column({ name: 'closed_by', type: 'text', nullable: true })
  closedBy!: 'agent' | 'client' | null;
}

/** The chat id the Platform knows the chat by: the client's chat_id and the connector. */
export function channelChatIdOf(chat: Pick<ChatEntity, 'clientChatId'>): string {
  return `${chat.clientChatId}|omnichannel`;
}

export function clientChatIdOf(chat: Pick<ChatEntity, 'clientChatId' | 'clientChatIdIsNumber'>): number | string {
  return chat.clientChatIdIsNumber ? Number(chat.clientChatId) : chat.clientChatId;
}

/** open, or closed with when and by whom (docs/protocol.md, "The chat's state"), as the admin API shows it. */
export function chatState(chat: Pick<ChatEntity, 'closedAt' | 'closedBy'>): {
  state: 'open' | 'closed';
  closedAt: Date | null;
  closedBy: 'agent' | 'client' | null;
} {
  return { state: chat.closedAt === null ? 'open' : 'closed', closedAt: chat.closedAt, closedBy: chat.closedBy };
}
