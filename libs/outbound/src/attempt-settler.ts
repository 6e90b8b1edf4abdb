import { Injectable } from '@nestjs/common';
import type { JobAttempt } from 'pg-boss';
import { Coalescer } from '#common';
import { QueueService, SqlTransactions } from '#database';
import { OutboundRepository, type AttemptRecord } from './outbound.repository.js';

/** How the Agent bridge and the dispatcher put an attempt on record and settle its job. */
@Injectable()
export class AttemptSettler {
  /** Outcomes settled within 2 ms of each other are written in one statement. */
  private readonly records: Coalescer<AttemptRecord, null>;

  constructor(
    private readonly transactions: SqlTransactions,
    private readonly outbound: OutboundRepository,
    private readonly queue: QueueService,
  ) {
    this.records = new Coalescer(async (records) => (await this.outbound.recordAttempts(records), records.map(() => null)), 2);
  }

  /**
   * Completes a job whose work is done, or gone (its message deleted with its channel, or settled by an earlier claim
   * cut off before completing), and wakes a worker: the chat's next job is fetchable now.
   */
  async release(queue: string, job: JobAttempt): Promise<void> {
    await this.queue.complete(queue, job);
    this.queue.wakeAt(queue);
  }

  /**
   * A retry is one transaction: the attempt on record and the job back in `retry` until `retryAt`, holding its chat.
   * A final outcome needs none, so both writes can join their batches: if the process dies between the two, the
   * job runs again, finds its message settled, and is completed without another attempt.
   */
  async settle(queue: string, job: JobAttempt, record: AttemptRecord, retryAt: Date | null): Promise<void> {
    if (retryAt) {
      await this.transactions.run(async (tx) => {
        await this.outbound.recordAttempts([record], tx);
        await this.queue.retryAt(queue, job, retryAt, record.lastError ?? '', tx.queueDb);
      });
    } else {
      await this.records.push(record);
      await this.queue.complete(queue, job);
    }
    this.queue.wakeAt(queue, retryAt ?? undefined);
  }
}
