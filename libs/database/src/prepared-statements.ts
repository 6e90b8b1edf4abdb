import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * A statement on a hot path, run by name: each pooled connection parses and plans it once and reuses the plan
 * (PostgreSQL re-plans with the parameters' values for the first five runs, then keeps a generic plan if it is no
 * worse). Planning was half the database time of the inbound statement (docs/benchmarks.md). The text must be
 * constant: one name, one text.
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

const names = new Map<string, string>();

/** Declares a prepared statement; a second text under the same name is a programming error, caught at load. */
export function prepared(name: string, text: string): PreparedStatement {
  const known = names.get(name);
  if (known !== undefined && known !== text) throw new Error(`Prepared statement "${name}" is declared twice`);
  names.set(name, text);
  return { name, text };
}

/** Runs prepared statements on the app's connection pool (TypeORM's), each autocommitted. */
@Injectable()
export class PreparedStatements {
  private readonly pool: Pool;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
  }

  async run<T>(statement: PreparedStatement, values: unknown[]): Promise<T[]> {
    return (await this.pool.query({ name: statement.name, text: statement.text, values })).rows as T[];
  }
}
