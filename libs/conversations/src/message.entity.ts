import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ChatEntity } from './chat.entity.js';
import type { InboundStatus, MessageDirection, OutboundStatus } from './message-status.js';

/**
 * Both directions of a chat. An inbound message is stored once per (channel, client message id): the unique
 * index, not an `if`, is what keeps a retried event from reaching the Agent twice.
 */
@Entity({ name: 'messages' })
@Index('messages_channel_client_message_key', ['channelId', 'clientMessageId'], {
  unique: true,
  where: '"client_message_id" IS NOT NULL',
})
@Index('messages_chat_created_idx', ['chatId', 'createdAt'])
@Index('messages_ended_idx', ['tenantId', 'createdAt'], {
  where: `"status" IN ('answered', 'delivered', 'failed', 'skipped')`,
})
@Index('messages_chat_pending_idx', ['chatId', 'createdAt', 'id'], { where: `"status" IN ('received', 'queued')` })
export class MessageEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  /** The chat's channel, kept with each message; no foreign key (the chat's is enough). */
  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @Column({ name: 'chat_id', type: 'uuid' })
  chatId!: string;

  @ManyToOne(() => ChatEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'chat_id' })
  chat?: ChatEntity;

  @Column({ name: 'direction', type: 'text' })
  direction!: MessageDirection;

  /** visitor | file_visitor | keyboard_response inbound; operator | keyboard outbound. */
  @Column({ name: 'kind', type: 'text' })
  kind!: string;

  @Column({ name: 'client_message_id', type: 'text', nullable: true })
  clientMessageId!: string | null;

  @Column({ name: 'text', type: 'text', nullable: true })
  text!: string | null;

  @Column({ name: 'buttons', type: 'jsonb', nullable: true })
  buttons!: unknown[] | null;

  @Column({ name: 'payload', type: 'jsonb', nullable: true })
  payload!: Record<string, unknown> | null;

  @Column({ name: 'status', type: 'text' })
  status!: InboundStatus | OutboundStatus;

  @Column({ name: 'attempts', type: 'integer', default: 0 })
  attempts!: number;

  /** `attempts` when the message was last queued by hand (the retry endpoint): its retry schedule starts there. */
  @Column({ name: 'schedule_base', type: 'integer', default: 0 })
  scheduleBase!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  /** The W3C `traceparent` of the trace this message belongs to; null with tracing off. */
  @Column({ name: 'trace_context', type: 'text', nullable: true })
  traceContext!: string | null;
}
