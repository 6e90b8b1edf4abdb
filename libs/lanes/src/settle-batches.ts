import type { Logger } from '@nestjs/common';
import { Coalescer } from '#common';

export interface SettleBatchesOptions<T, R> {
  /** Writes a batch (all of one tenant) in one statement; returns a row per chat it settled. */
  write(batch: T[]): Promise<R[]>;
  keyOfItem(item: T): string;
  keyOfResult(result: R): string;
  /** A record that cannot be written even alone: a safer version of it to write instead, or null. */
  rescue(item: T, error: unknown): T | null;
  logger: Logger;
  windowMs?: number;
}

/**
 * Settles written together when they come close together, one batch per tenant: a batch that fails is written again
 * record by record, so one unwritable record never fails (and never re-sends) another tenant's or a neighbour's.
 */
export class SettleBatches<T, R> {
  private readonly byTenant = new Map<string, Coalescer<T, R | null>>();

  constructor(private readonly options: SettleBatchesOptions<T, R>) {}

  push(tenantId: string, item: T): Promise<R | null> {
    let batches = this.byTenant.get(tenantId);
    if (!batches) {
      batches = new Coalescer((items) => this.writeAll(items), this.options.windowMs ?? 2);
      this.byTenant.set(tenantId, batches);
    }
    return batches.push(item);
  }

  private async writeAll(items: T[]): Promise<(R | null)[]> {
    try {
      return this.aligned(items, await this.options.write(items));
    } catch (error) {
      if (items.length === 1) return [await this.writeAlone(items[0], error)];
      return Promise.all(
        items.map((item) =>
          this.options.write([item]).then(
            (rows) => this.aligned([item], rows)[0],
            (alone: unknown) => this.writeAlone(item, alone),
          ),
        ),
      );
    }
  }

  private async writeAlone(item: T, error: unknown): Promise<R | null> {
    const rescued = this.options.rescue(item, error);
    if (rescued === null) throw error;
    this.options.logger.warn(
      { err: error, chatId: this.options.keyOfItem(item) },
      'An outcome could not be written; writing a safer version of it',
    );
    const rows = await this.options.write([rescued]);
    return this.aligned([rescued], rows)[0];
  }

  private aligned(items: T[], rows: R[]): (R | null)[] {
    const byKey = new Map(rows.map((row) => [this.options.keyOfResult(row), row]));
    return items.map((item) => byKey.get(this.options.keyOfItem(item)) ?? null);
  }
}
