import type { Db } from 'pg-boss';
import type { EntityManager } from 'typeorm';

/**
 * Lets pg-boss write its job through the caller's transaction (`send(name, data, { db })`), so a job exists
 * exactly when the rows it refers to were committed.
 */
export function transactionalQueueDb(manager: EntityManager): Db {
  const runner = manager.queryRunner;
  if (!runner?.isTransactionActive) throw new Error('transactionalQueueDb needs an EntityManager inside a transaction');
  return {
    executeSql: async (text: string, values?: unknown[]) => ({ rows: (await runner.query(text, values, true)).records as unknown[] }),
  };
}
