import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ChannelEntity } from '#channels';

/** One conversation of a channel, keyed by the client's `chat_id` (one chat per channel and chat_id). */
@Entity({ name: 'chats' })
@Index('chats_channel_client_chat_key', ['channelId', 'clientChatId'], { unique: true })
@Index('chats_channel_last_message_idx', ['channelId', 'lastMessageAt'])
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
}

export function channelChatIdOf(chat: Pick<ChatEntity, 'clientChatId'>): string {
  return `${chat.clientChatId}|omnichannel`;
}

export function clientChatIdOf(chat: Pick<ChatEntity, 'clientChatId' | 'clientChatIdIsNumber'>): number | string {
  return chat.clientChatIdIsNumber ? Number(chat.clientChatId) : chat.clientChatId;
}
