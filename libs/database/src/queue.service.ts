import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PgBoss, type Db, type Job, type JobAttempt, type Queue } from 'pg-boss';
import { AppConfig, Coalescer } from '#common';

/** Grace given to running jobs at shutdown; a job cut off later is retried by pg-boss, never lost. */
export const QUEUE_STOP_TIMEOUT_MS = 10_000;

/** How often a worker looks for jobs besides NOTIFY: a retry scheduled on another replica is seen within it. */
export const QUEUE_POLL_SECONDS = 1;

/**
 * The app's queues: one job per message, FIFO per chat (the job's singletonKey is the chat id). pg-boss's own
 * retries (a claim lost to a killed replica, a handler that threw because the database was down) back off from
 * 1 s to a minute; delivery retries follow DELIVERY_RETRY_DELAYS_MS instead (QueueService.retryAt), and whether
 * a message finally failed is decided from its own attempt count, so pg-boss's retry limit is never reached.
 */
export const CHAT_FIFO_QUEUE: Omit<Queue, 'name'> = {
  policy: 'key_strict_fifo',
  notify: true,
  retryLimit: 100_000,
  retryDelay: 1,
  retryBackoff: true,
  retryDelayMax: 60,
  expireInSeconds: 30,
  deleteAfterSeconds: 24 * 60 * 60,
};

export interface WorkOptions {
  /** Jobs fetched at once; they belong to different chats and run concurrently. */
  batchSize: number;
  /** Fetch loops per process. */
  loops: number;
}

/**
 * Owns the pg-boss instance. Its schema is installed by the migrations (CLI or MIGRATE_ON_START),
 * so a replica never races another over DDL at start.
 */
@Injectable()
export class QueueService implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(QueueService.name);
  readonly boss: PgBoss;
  private readonly workers = new Map<string, string>();
  private readonly completions = new Map<string, Coalescer<JobAttempt, null>>();

  constructor(config: AppConfig) {
    if (config.databaseUrl === null) throw new Error('QueueService needs a database URL');
    this.boss = new PgBoss({
      connectionString: config.databaseUrl,
      application_name: 'channel-service-queue',
      migrate: false,
      schedule: false,
      supervise: config.runsWorkers,
      // Expired claims (a replica killed mid-job) are found and retried within this.
      superviseIntervalSeconds: 10,
      useListenNotify: config.runsWorkers,
      max: 10,
    });
    this.boss.on('error', (error: Error) => this.logger.error({ err: error }, 'Queue error'));
  }

  async onModuleInit(): Promise<void> {
    await this.boss.start();
  }

  /** Creates the queue unless it exists, else brings its options up to date; a queue's policy is fixed once created. */
  async ensureQueue(name: string, options: Omit<Queue, 'name'>): Promise<void> {
    const { policy: _policy, partition: _partition, deadLetter: _deadLetter, ...updatable } = options;
    if (await this.boss.getQueue(name)) {
      await this.boss.updateQueue(name, updatable);
      return;
    }
    try {
      await this.boss.createQueue(name, options);
    } catch (error) {
      // Another replica created it between the check and the create.
      if (!(await this.boss.getQueue(name))) throw error;
    }
  }

  /**
   * Runs `handle` for each job of `queue`. Each job is settled by its handler, in the transaction that records
   * its outcome; a handler that throws leaves its job to pg-boss, which retries it (after a backoff).
   */
  async work<T extends object>(queue: string, options: WorkOptions, handle: (job: Job<T>) => Promise<void>): Promise<void> {
    const id = await this.boss.work<T>(
      queue,
      {
        batchSize: options.batchSize,
        localConcurrency: options.loops,
        burstWhenBatchFull: true,
        pollingIntervalSeconds: QUEUE_POLL_SECONDS,
        notifyPollingIntervalSeconds: QUEUE_POLL_SECONDS,
      },
      async (jobs) => {
        const results = await Promise.allSettled(jobs.map(handle));
        const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
        for (const failure of failures) this.logger.error({ err: failure.reason, queue }, 'A job handler failed; pg-boss retries the job');
        if (failures.length > 0) throw failures[0].reason;
      },
    );
    this.workers.set(queue, id);
  }

  /**
   * Wakes a worker of `queue` at `at`, rather than at its next poll: after a job settles (its chat's next job is
   * now its key's head, and pg-boss sends no NOTIFY for that) or when a retry falls due. Call it after the commit.
   */
  wakeAt(queue: string, at = new Date()): void {
    const id = this.workers.get(queue);
    if (id === undefined) return;
    setTimeout(() => this.boss.notifyWorker(id), Math.max(0, at.getTime() - Date.now())).unref();
  }

  /**
   * Completes a fetched job on its own, batched with the completions of the next few milliseconds (one statement
   * for many). A claim that lapsed meanwhile is left alone.
   */
  async complete(queue: string, job: JobAttempt): Promise<void> {
    let coalescer = this.completions.get(queue);
    if (coalescer === undefined) {
      coalescer = new Coalescer<JobAttempt, null>(async (jobs) => {
        await this.boss.complete(queue, jobs);
        return jobs.map(() => null);
      }, 2);
      this.completions.set(queue, coalescer);
    }
    await coalescer.push({ id: job.id, retryCount: job.retryCount });
  }

  /**
   * Puts a fetched job back in `retry` until `at`, inside the caller's transaction. pg-boss keeps a key_strict_fifo
   * key blocked while its head is in retry, so a chat's later jobs wait; its own retry delay is whole seconds
   * and the same for every attempt, so the job fails with no delay and its start is moved in the same transaction.
   */
  async retryAt(queue: string, job: JobAttempt, at: Date, reason: string, db: Db): Promise<void> {
    await this.boss.fail(queue, { id: job.id, retryCount: job.retryCount }, { message: reason }, { db });
    await this.boss.update(queue, undefined, { id: job.id, startAfter: at, db });
  }

  /** SIGTERM: take no new jobs, let running ones finish within the grace, fail (hence retry) the rest. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: QUEUE_STOP_TIMEOUT_MS, close: false });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: QUEUE_STOP_TIMEOUT_MS });
  }
}
