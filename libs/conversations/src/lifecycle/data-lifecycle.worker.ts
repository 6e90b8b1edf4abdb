import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Counter } from 'prom-client';
import { AppConfig, MetricsService } from '#common';
import { DatabaseOutage } from '#database';
import { DataLifecycleRepository, MESSAGE_BATCH, CHAT_BATCH } from './data-lifecycle.repository.js';

/** Batches one sweep runs per tenant at most (100,000 messages): the next sweep goes on where it stopped. */
export const MAX_BATCHES_PER_TENANT = 50;
/** Deleted channels one sweep purges at most; steps per channel are bounded too, the rest waits for the next sweep. */
const CHANNELS_PER_SWEEP = 20;
const STEPS_PER_CHANNEL = 500;

export interface SweepResult {
  messages: number;
  chats: number;
  purgedMessages: number;
  purgedChats: number;
  channels: number;
  agents: number;
  tenants: number;
}

/**
 * The retention sweep and the purge of deleted channels, agents and tenants, every RETENTION_SWEEP_INTERVAL on each
 * worker replica. Every statement is a short transaction over one bounded batch of one tenant, skipping rows
 * another transaction holds; any number of replicas may sweep at once (they share the work, never double it).
 */
@Injectable()
export class DataLifecycleWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DataLifecycleWorker.name);
  private readonly removed: Counter<'kind' | 'reason'>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepResult> | null = null;
  private stopping = false;

  constructor(
    private readonly repository: DataLifecycleRepository,
    private readonly config: AppConfig,
    private readonly outage: DatabaseOutage,
    metrics: MetricsService,
  ) {
    this.removed = new Counter({
      name: 'data_lifecycle_removed_total',
      help: 'Rows removed by the data lifecycle, by kind (message, chat) and reason (retention, or purge of a deleted channel, agent or tenant).',
      labelNames: ['kind', 'reason'] as const,
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.config.retentionSweepIntervalSeconds * 1000);
    this.timer.unref();
  }

  /** Before the database pool closes: the batch under way finishes, no further one starts. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One sweep; a call while one runs joins it. Never throws: a failed batch is logged and retried next time. */
  sweep(): Promise<SweepResult> {
    this.running ??= this.run()
      .catch((error: unknown) => {
        // The database away is told once, by the outage.
        if (!this.outage.failed(error))
          this.logger.warn(`Data lifecycle sweep failed, retried at the next one: ${(error as Error).message}`);
        return emptyResult();
      })
      .finally(() => (this.running = null));
    return this.running;
  }

  private async run(): Promise<SweepResult> {
    const result = emptyResult();
    for (const { tenantId, retentionSeconds } of await this.repository.retentions(
      this.config.messageRetentionSeconds,
    )) {
      if (this.stopping) break;
      for (let batch = 0; batch < MAX_BATCHES_PER_TENANT && !this.stopping; batch += 1) {
        const deleted = await this.repository.deleteExpiredMessages(tenantId, retentionSeconds);
        result.messages += deleted;
        if (deleted < MESSAGE_BATCH) break;
      }
      for (let batch = 0; batch < MAX_BATCHES_PER_TENANT && !this.stopping; batch += 1) {
        const deleted = await this.repository.deleteIdleChats(tenantId, retentionSeconds);
        result.chats += deleted;
        if (deleted < CHAT_BATCH) break;
      }
    }
    for (const channel of await this.repository.deletedChannels(CHANNELS_PER_SWEEP)) {
      for (let step = 0; step < STEPS_PER_CHANNEL && !this.stopping; step += 1) {
        const { messages, chats, channelGone } = await this.repository.purgeChannelStep(channel.id);
        result.purgedMessages += messages;
        result.purgedChats += chats;
        if (channelGone) result.channels += 1;
        if (channelGone || (messages === 0 && chats === 0)) break;
      }
    }
    const owners = await this.repository.removeEmptiedOwners();
    result.agents = owners.agents;
    result.tenants = owners.tenants;
    this.removed.inc({ kind: 'message', reason: 'retention' }, result.messages);
    this.removed.inc({ kind: 'chat', reason: 'retention' }, result.chats);
    this.removed.inc({ kind: 'message', reason: 'deleted' }, result.purgedMessages);
    this.removed.inc({ kind: 'chat', reason: 'deleted' }, result.purgedChats);
    if (result.channels + result.agents + result.tenants > 0)
      this.logger.log(
        `Purged deleted data: ${result.channels} channel(s), ${result.agents} agent(s), ${result.tenants} tenant(s), ${result.purgedChats} chat(s), ${result.purgedMessages} message(s)`,
      );
    return result;
  }
}

function emptyResult(): SweepResult {
  return { messages: 0, chats: 0, purgedMessages: 0, purgedChats: 0, channels: 0, agents: 0, tenants: 0 };
}
