import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';
import { MetricsService } from '#common';

/** The readiness check's deadline (GET /health/ready uses the same). */
export const READY_TIMEOUT_MS = 2_000;

/** `SELECT 1` answered within READY_TIMEOUT_MS: what GET /health/ready and the gauge database_ready report. */
export async function databaseAnswers(dataSource: DataSource): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS)));
  try {
    return await Promise.race([dataSource.query('SELECT 1').then(() => true as const), deadline]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `database_ready`: 1 when the database answers `SELECT 1` within 2 s at the scrape, else 0, so an alert can tell
 * "database away" (this replica still scraped) from "replica down" (`up == 0`).
 */
@Injectable()
export class DatabaseReadyMetric {
  constructor(@InjectDataSource() dataSource: DataSource, metrics: MetricsService) {
    new Gauge({
      name: 'database_ready',
      help: 'Whether the database answered SELECT 1 within 2 s at this scrape (1) or not (0): the check of GET /health/ready.',
      registers: [metrics.registry],
      async collect() {
        this.set((await databaseAnswers(dataSource)) ? 1 : 0);
      },
    });
  }
}
