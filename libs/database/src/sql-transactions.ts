import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

export interface SqlTransaction {
  query<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
}

/**
 * The one transaction style: the caller (a service) opens it and passes it to repositories. Plain SQL on the app's
 * connection pool (TypeORM's query runner cost about 10 % on hot paths, docs/benchmarks.md); no second pool.
 */
@Injectable()
export class SqlTransactions {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async run<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const pool = (this.dataSource.driver as unknown as { master: Pool }).master;
    const client: PoolClient = await pool.connect();
    // The pool takes its idle-error listener off a client it hands out: a connection that dies between two
    // statements (the server restarting) would emit an unheard 'error' and crash the process. The next statement
    // fails with the same error, so listening is enough.
    let broken: Error | undefined;
    const onError = (error: Error): void => {
      broken = error;
    };
    client.on('error', onError);
    const release = (error?: Error): void => {
      client.off('error', onError);
      client.release(error ?? broken);
    };
    const query = async <R>(text: string, values?: unknown[]): Promise<R[]> =>
      (await client.query(text, values)).rows as R[];
    const tx: SqlTransaction = { query };
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      release();
      return result;
    } catch (error) {
      // A connection whose ROLLBACK fails is broken: it is destroyed rather than returned to the pool.
      const rollback = await client.query('ROLLBACK').then(
        () => undefined,
        (rollbackError: Error) => rollbackError,
      );
      release(rollback);
      throw error;
    }
  }
}
