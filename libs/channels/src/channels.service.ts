import { Injectable } from '@nestjs/common';
import { AppConfig, AppError, ErrorCode, SecretBox, newSigningSecret, randomToken, sha256 } from '#common';
import { ActivationChecks, type ChannelWarning } from './activation.checks.js';
import { agentNotFound } from './agents.service.js';
import { AgentsRepository } from './agents.repository.js';
import type { ChannelEntity } from './channel.entity.js';
import type { ChannelDto, CreateChannelDto, UpdateChannelDto } from './channels.dto.js';
import { DEFAULT_CAPABILITIES, capabilitiesOf, type ChannelCapabilities } from './capabilities.js';
import { ChannelLookup } from './channel-lookup.js';
import { signingSecretsOf } from './signing.js';
import { ChannelsRepository } from './channels.repository.js';
import { checkWebhookUrl, normalWebhookUrl } from './webhook-url.rule.js';

export const AGENT_NOT_TRAINED_MESSAGE = 'The agent is not trained. Train the agent, then activate the channel again.';

export function channelNotFound(): AppError {
  return new AppError(ErrorCode.NOT_FOUND, 'Channel not found.');
}

function agentNotTrained(): AppError {
  return new AppError(ErrorCode.AGENT_NOT_TRAINED, AGENT_NOT_TRAINED_MESSAGE);
}

@Injectable()
export class ChannelsService {
  constructor(
    private readonly channels: ChannelsRepository,
    private readonly agents: AgentsRepository,
    private readonly activation: ActivationChecks,
    private readonly secrets: SecretBox,
    private readonly config: AppConfig,
    private readonly lookup: ChannelLookup,
  ) {}

  async create(tenantId: string, agentId: string, body: CreateChannelDto): Promise<ChannelDto> {
    const webhookUrl = this.webhookUrl(body.webhookUrl);
    const agent = await this.agents.find(tenantId, agentId);
    if (!agent) throw agentNotFound();
    const active = body.active ?? false;
    if (active && !agent.trained) throw agentNotTrained();
    const token = randomToken();
    const signingSecret = newSigningSecret();
    const channel = await this.channels.insert({
      tenantId,
      agentId,
      type: body.type,
      title: body.title ?? null,
      active,
      tokenHash: sha256(token),
      tokenEncrypted: this.secrets.seal(token),
      webhookUrl,
      webhookTokenEncrypted: body.webhookToken == null ? null : this.secrets.seal(body.webhookToken),
      inboundRatePerSecond: body.inboundRateLimit?.perSecond ?? null,
      inboundBurst: body.inboundRateLimit?.burst ?? null,
      capabilities: ownCapabilities({}, body.capabilities),
      signingSecretEncrypted: this.secrets.seal(signingSecret),
      previousSigningSecretEncrypted: null,
      signingSecretRotatedAt: null,
      requireSignedWebhooks: body.requireSignedWebhooks ?? false,
      deliveryRatePerSecond: body.deliveryRateLimit?.perSecond ?? null,
    });
    const warnings = active ? await this.runActivationChecks(channel) : [];
    // The signing secret is shown once, here (and in a rotation's answer).
    return { ...this.toDto(channel), signingSecret, warnings };
  }

  async listForAgent(tenantId: string, agentId: string): Promise<ChannelDto[]> {
    if (!(await this.agents.find(tenantId, agentId))) throw agentNotFound();
    return (await this.channels.listForAgent(tenantId, agentId)).map((channel) => this.toDto(channel));
  }

  async get(tenantId: string, channelId: string): Promise<ChannelDto> {
    return this.toDto(await this.require(tenantId, channelId));
  }

  /** The "Save" of the seed: every field applies together, or (on any refusal) none does. */
  async update(tenantId: string, channelId: string, body: UpdateChannelDto): Promise<ChannelDto> {
    const webhookUrl = body.webhookUrl === undefined ? undefined : this.webhookUrl(body.webhookUrl);
    const { channel, activated } = await this.channels.transaction(async (manager) => {
      const current = await this.channels.findForUpdate(manager, tenantId, channelId);
      if (!current) throw channelNotFound();
      const wasActive = current.active;
      const urlChanged = webhookUrl !== undefined && webhookUrl !== normalWebhookUrl(current.webhookUrl);
      if (body.title !== undefined) current.title = body.title;
      if (body.inboundRateLimit !== undefined) {
        current.inboundRatePerSecond = body.inboundRateLimit?.perSecond ?? null;
        current.inboundBurst = body.inboundRateLimit?.burst ?? null;
      }
      if (body.capabilities !== undefined)
        current.capabilities = ownCapabilities(current.capabilities, body.capabilities);
      if (body.active !== undefined) current.active = body.active;
      if (body.requireSignedWebhooks !== undefined) current.requireSignedWebhooks = body.requireSignedWebhooks;
      if (body.deliveryRateLimit !== undefined)
        current.deliveryRatePerSecond = body.deliveryRateLimit?.perSecond ?? null;
      if (webhookUrl !== undefined) current.webhookUrl = webhookUrl;
      if (body.webhookToken !== undefined) {
        current.webhookTokenEncrypted = body.webhookToken === null ? null : this.secrets.seal(body.webhookToken);
      } else if (urlChanged) {
        // A changed URL never receives the old credential.
        current.webhookTokenEncrypted = null;
      }
      const activated = current.active && (!wasActive || urlChanged);
      if (activated) {
        const agent = await this.agents.find(tenantId, current.agentId, manager);
        if (!agent?.trained) throw agentNotTrained();
      }
      return { channel: await this.channels.save(manager, current), activated };
    });
    this.lookup.forgetAll();
    const warnings = activated ? await this.runActivationChecks(channel) : [];
    return { ...this.toDto(channel), warnings };
  }

  async rotateToken(tenantId: string, channelId: string): Promise<ChannelDto> {
    const channel = await this.channels.transaction(async (manager) => {
      const current = await this.channels.findForUpdate(manager, tenantId, channelId);
      if (!current) throw channelNotFound();
      const token = randomToken();
      current.tokenHash = sha256(token);
      current.tokenEncrypted = this.secrets.seal(token);
      return this.channels.save(manager, current);
    });
    this.lookup.forgetAll();
    return this.toDto(channel);
  }

  /**
   * A new signing secret, shown in this answer only. The one it replaces still signs every request beside it for 24
   * hours (both signatures, space-separated), and still verifies the client's signed webhooks for as long, so a client
   * server can switch over without losing a request; a second rotation within them drops the first secret at once.
   */
  async rotateSigningSecret(tenantId: string, channelId: string): Promise<ChannelDto> {
    const signingSecret = newSigningSecret();
    const channel = await this.channels.transaction(async (manager) => {
      const current = await this.channels.findForUpdate(manager, tenantId, channelId);
      if (!current) throw channelNotFound();
      current.previousSigningSecretEncrypted = current.signingSecretEncrypted;
      current.signingSecretEncrypted = this.secrets.seal(signingSecret);
      current.signingSecretRotatedAt = new Date();
      return this.channels.save(manager, current);
    });
    this.lookup.forgetAll();
    return { ...this.toDto(channel), signingSecret };
  }

  /**
   * Resumes a paused channel at once: its held replies flow again, in per-chat order (workers see it within the 2 s
   * their claims re-read paused channels), and its failing mark is cleared. A channel that is active is left as it is.
   */
  async resume(tenantId: string, channelId: string): Promise<ChannelDto> {
    const channel = await this.channels.transaction(async (manager) => {
      const current = await this.channels.findForUpdate(manager, tenantId, channelId);
      if (!current) throw channelNotFound();
      if (current.pausedAt === null && current.deliveryFailingSince === null) return current;
      current.pausedAt = null;
      current.pauseReason = null;
      current.deliveryFailingSince = null;
      current.probeAt = null;
      return this.channels.save(manager, current);
    });
    return this.toDto(channel);
  }

  async delete(tenantId: string, channelId: string): Promise<void> {
    if (!(await this.channels.delete(tenantId, channelId))) throw channelNotFound();
    this.lookup.forgetAll();
  }

  private async require(tenantId: string, channelId: string): Promise<ChannelEntity> {
    const channel = await this.channels.find(tenantId, channelId);
    if (!channel) throw channelNotFound();
    return channel;
  }

  /** The URL as stored: normalised, or a 400 naming what is wrong with it. */
  private webhookUrl(value: string): string {
    const { url, problem } = checkWebhookUrl(value, this.config.allowHttpWebhooks);
    if (url === null)
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'The request is invalid: check webhookUrl.', [
        { field: 'webhookUrl', message: `webhookUrl ${problem}` },
      ]);
    return url;
  }

  private runActivationChecks(channel: ChannelEntity): Promise<ChannelWarning[]> {
    return this.activation.run({
      channelId: channel.id,
      webhookUrl: channel.webhookUrl,
      webhookToken: channel.webhookTokenEncrypted === null ? null : this.secrets.open(channel.webhookTokenEncrypted),
      platformWebhookUrl: this.platformWebhookUrl(channel),
      signingSecrets: signingSecretsOf(channel, (sealed) => this.secrets.open(sealed)),
    });
  }

  private platformWebhookUrl(channel: ChannelEntity): string {
    return `${this.config.publicBaseUrl}/${this.secrets.open(channel.tokenEncrypted)}/bot_api_webhook`;
  }

  private toDto(channel: ChannelEntity): ChannelDto {
    return {
      id: channel.id,
      agentId: channel.agentId,
      type: channel.type,
      title: channel.title,
      active: channel.active,
      platformWebhookUrl: this.platformWebhookUrl(channel),
      webhookUrl: channel.webhookUrl,
      webhookTokenSet: channel.webhookTokenEncrypted !== null,
      signingSecretSet: channel.signingSecretEncrypted !== null,
      requireSignedWebhooks: channel.requireSignedWebhooks,
      deliveryRateLimit: channel.deliveryRatePerSecond === null ? null : { perSecond: channel.deliveryRatePerSecond },
      health:
        channel.pausedAt === null
          ? { state: 'active', since: null, reason: null }
          : { state: 'paused', since: channel.pausedAt, reason: channel.pauseReason },
      inboundRateLimit:
        channel.inboundRatePerSecond !== null && channel.inboundBurst !== null
          ? { perSecond: channel.inboundRatePerSecond, burst: channel.inboundBurst, source: 'channel' }
          : { perSecond: this.config.inboundRatePerSecond, burst: this.config.inboundBurst, source: 'default' },
      capabilities: capabilitiesOf(channel.capabilities),
      createdAt: channel.createdAt,
      updatedAt: channel.updatedAt,
    };
  }
}

/** What is stored: the channel's own settings, the given fields over the stored ones, defaults left out. */
function ownCapabilities(
  stored: Partial<ChannelCapabilities>,
  given: Partial<ChannelCapabilities> | undefined,
): Partial<ChannelCapabilities> {
  const merged = {
    ...capabilitiesOf(stored),
    ...Object.fromEntries(Object.entries(given ?? {}).filter(([, v]) => v !== undefined)),
  };
  return Object.fromEntries(
    Object.entries(merged).filter(([key, value]) => DEFAULT_CAPABILITIES[key as keyof ChannelCapabilities] !== value),
  );
}
