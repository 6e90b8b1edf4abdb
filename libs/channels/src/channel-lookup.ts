import { Injectable } from '@nestjs/common';
import { SecretBox, sha256 } from '#common';
import { ChannelsRepository } from './channels.repository.js';
import { signingSecretsOf } from './signing.js';

export interface ActiveChannel {
  id: string;
  tenantId: string;
  agentId: string;
  /** The channel's own inbound rate limit; null: the environment's default. */
  inboundRatePerSecond: number | null;
  inboundBurst: number | null;
  /**
   * With `requireSignedWebhooks`: the secrets a post may be signed with (the current one, and the previous one within
   * 24 hours of a rotation; none for a channel that never had one). Null: posts need no signature.
   */
  webhookSecrets: string[] | null;
}

/**
 * Resolves a webhook token to its active channel. Hits are cached briefly: a change made on this replica clears
 * the cache at once, and other replicas see it when their entry expires, within the TTL (under the 1 s promised).
 */
export const LOOKUP_TTL_MS = 500;
const MAX_ENTRIES = 10_000;

@Injectable()
export class ChannelLookup {
  private readonly cache = new Map<string, { channel: ActiveChannel; expires: number }>();

  constructor(
    private readonly channels: ChannelsRepository,
    private readonly secrets: SecretBox,
  ) {}

  async findActive(token: string): Promise<ActiveChannel | null> {
    const key = sha256(token);
    const cacheKey = key.toString('base64');
    const now = Date.now();
    const cached = this.cache.get(cacheKey);
    if (cached && cached.expires > now) return cached.channel;
    const channel = await this.channels.findByTokenHash(key);
    if (!channel?.active) {
      this.cache.delete(cacheKey);
      return null;
    }
    const active = {
      id: channel.id,
      tenantId: channel.tenantId,
      agentId: channel.agentId,
      inboundRatePerSecond: channel.inboundRatePerSecond,
      inboundBurst: channel.inboundBurst,
      webhookSecrets: channel.requireSignedWebhooks
        ? signingSecretsOf(channel, (sealed) => this.secrets.open(sealed), now)
        : null,
    };
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(cacheKey, { channel: active, expires: now + LOOKUP_TTL_MS });
    return active;
  }

  /** Called after any change to a channel's token, activity or existence. */
  forgetAll(): void {
    this.cache.clear();
  }
}
