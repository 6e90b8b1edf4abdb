import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ChatEntity } from './chat.entity.js';

/**
 * A reply's or an action's final outcome waiting to be told to the Agent runtime (`AGENT_DELIVERY_EVENTS`, docs/
 * protocol.md section 3, "Delivery events"): the work of a chat's third lane, the report lane, told in `id` order.
 * Written by the settle that reaches the outcome, in its statement; deleted once the runtime has taken it. It carries
 * what it tells, so a message deleted meanwhile (retention) is still reported; it goes with its chat.
 */
@Entity({ name: 'agent_reports' })
@Index('agent_reports_chat_idx', ['chatId', 'id'])
export class AgentReportEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @Column({ name: 'chat_id', type: 'uuid' })
  chatId!: string;

  @ManyToOne(() => ChatEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'chat_id' })
  chat?: ChatEntity;

  @Column({ name: 'message_id', type: 'uuid' })
  messageId!: string;

  /** The message's kind: `operator`, `file_operator`, `keyboard`, `redirect` or `close`. */
  @Column({ name: 'message_kind', type: 'text' })
  messageKind!: string;

  /** `delivered`, `failed` or `skipped`. */
  @Column({ name: 'outcome', type: 'text' })
  outcome!: string;

  /** Why it failed or was skipped (the message's lastError then). */
  @Column({ name: 'error', type: 'text', nullable: true })
  error!: string | null;

  /** Calls to the runtime made for this report; its own retry schedule counts them. */
  @Column({ name: 'attempts', type: 'integer', default: 0 })
  attempts!: number;

  /** The last failed call's reason, for the log. */
  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** When the outcome was reached. */
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
