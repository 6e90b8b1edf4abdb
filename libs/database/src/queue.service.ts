import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PgBoss, type Queue } from 'pg-boss';
import { AppConfig } from '#common';

/** Grace given to running jobs at shutdown; a job cut off later is retried by pg-boss, never lost. */
export const QUEUE_STOP_TIMEOUT_MS = 10_000;

/**
 * Owns the pg-boss instance. Its schema is installed by the migrations (CLI or MIGRATE_ON_START),
 * so a replica never races another over DDL at start.
 */
@Injectable()
export class QueueService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(QueueService.name);
  readonly boss: PgBoss;

  constructor(config: AppConfig) {
    if (config.databaseUrl === null) throw new Error('QueueService needs a database URL');
    this.boss = new PgBoss({
      connectionString: config.databaseUrl,
      application_name: 'channel-service-queue',
      migrate: false,
      schedule: false,
      supervise: config.runsWorkers,
      useListenNotify: config.runsWorkers,
      max: 10,
    });
    this.boss.on('error', (error: Error) => this.logger.error({ err: error }, 'Queue error'));
  }

  async onModuleInit(): Promise<void> {
    await this.boss.start();
  }

  /** Creates the queue unless it exists; a queue's policy is fixed once created. */
  async ensureQueue(name: string, options: Omit<Queue, 'name'>): Promise<void> {
    if (await this.boss.getQueue(name)) return;
    try {
      await this.boss.createQueue(name, options);
    } catch (error) {
      // Another replica created it between the check and the create.
      if (!(await this.boss.getQueue(name))) throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: QUEUE_STOP_TIMEOUT_MS });
  }
}
