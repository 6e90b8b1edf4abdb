import {
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { AgentEntity } from './agent.entity.js';
import type { ChannelCapabilities } from './capabilities.js';

export const CHANNEL_TYPES = ['omnichannel'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/**
 * An Agent Channel. The platform token is found by its SHA-256 (unique) and kept encrypted only to show the
 * URL again; the client's webhook token is kept encrypted and never returned.
 */
@Entity({ name: 'channels' })
@Index('channels_tenant_agent_idx', ['tenantId', 'agentId'])
export class ChannelEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @Column({ name: 'agent_id', type: 'text' })
  agentId!: string;

  @ManyToOne(() => AgentEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId' },
    { name: 'agent_id', referencedColumnName: 'agentId' },
  ])
  agent?: AgentEntity;

  @Column({ name: 'type', type: 'text' })
  type!: ChannelType;

  @Column({ name: 'title', type: 'text', nullable: true })
  title!: string | null;

  @Column({ name: 'active', type: 'boolean', default: false })
  active!: boolean;

  @Index('channels_token_hash_key', { unique: true })
  @Column({ name: 'token_hash', type: 'bytea' })
  tokenHash!: Buffer;

  @Column({ name: 'token_encrypted', type: 'text' })
  tokenEncrypted!: string;

  @Column({ name: 'webhook_url', type: 'text' })
  webhookUrl!: string;

  @Column({ name: 'webhook_token_encrypted', type: 'text', nullable: true })
  webhookTokenEncrypted!: string | null;

  /** The channel's inbound rate limit, sustained (messages per second); null: INBOUND_RATE_LIMIT_PER_SECOND. */
  @Column({ name: 'inbound_rate_per_second', type: 'integer', nullable: true })
  inboundRatePerSecond!: number | null;

  /** The channel's inbound burst (a full bucket); null: INBOUND_RATE_LIMIT_BURST. */
  @Column({ name: 'inbound_burst', type: 'integer', nullable: true })
  inboundBurst!: number | null;

  /**
   * The Standard Webhooks signing secret (`whsec_…`), encrypted like the webhook token: every request to the client
   * server is signed with it. Null only for a channel created before signing, until its first rotation.
   */
  @Column({ name: 'signing_secret_encrypted', type: 'text', nullable: true })
  signingSecretEncrypted!: string | null;

  /** The secret before the last rotation: requests are signed with it too for 24 hours after `signingSecretRotatedAt`. */
  @Column({ name: 'previous_signing_secret_encrypted', type: 'text', nullable: true })
  previousSigningSecretEncrypted!: string | null;

  @Column({ name: 'signing_secret_rotated_at', type: 'timestamptz', nullable: true })
  signingSecretRotatedAt!: Date | null;

  /** The client server must sign its webhook posts with the signing secret (else 401, docs/protocol.md row 2b). */
  @Column({ name: 'require_signed_webhooks', type: 'boolean', default: false })
  requireSignedWebhooks!: boolean;

  /**
   * Endpoint health: set when the channel was paused (its client server answered no send_message with a 2xx for
   * CHANNEL_PAUSE_AFTER, or answered 410 Gone); null while active. Paused, its replies are held, not sent.
   */
  @Column({ name: 'paused_at', type: 'timestamptz', nullable: true })
  pausedAt!: Date | null;

  @Column({ name: 'pause_reason', type: 'text', nullable: true })
  pauseReason!: string | null;

  /** Since when the client server has answered no send_message with a 2xx (attempts failing); null: it does. */
  @Column({ name: 'delivery_failing_since', type: 'timestamptz', nullable: true })
  deliveryFailingSince!: Date | null;

  /** While paused: when one held reply is next tried (the probe). */
  @Column({ name: 'probe_at', type: 'timestamptz', nullable: true })
  probeAt!: Date | null;

  /** At most this many send_message calls per second to the client server, across replicas; null: no cap. */
  @Column({ name: 'delivery_rate_per_second', type: 'integer', nullable: true })
  deliveryRatePerSecond!: number | null;

  /** The delivery rate limit's state (GCRA): the next call may go at this time. */
  @Column({ name: 'delivery_tat', type: 'timestamptz', nullable: true })
  deliveryTat!: Date | null;

  /** The client server asked to wait (429 / 503 with Retry-After): its whole send lane holds until then. */
  @Column({ name: 'send_held_until', type: 'timestamptz', nullable: true })
  sendHeldUntil!: Date | null;

  /** What the client server accepts beyond the seed's protocol (capabilities.ts); `{}`: the defaults. */
  @Column({ name: 'capabilities', type: 'jsonb', default: () => "'{}'" })
  capabilities!: Partial<ChannelCapabilities>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** Set when deleted: hidden from every find (TypeORM's soft delete), its data removed in the background. */
  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz' })
  deletedAt!: Date | null;
}
