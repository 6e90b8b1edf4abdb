import type { DataSourceOptions } from 'typeorm';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

export interface SchemaParts {
  /** Entity classes, listed explicitly: globs are unreliable under ESM. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: Function[];
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: Function[];
}

/** The one options builder: the app, the migration CLI and the tests all connect through it. */
export function buildDataSourceOptions(
  url: string,
  schema: SchemaParts,
  applicationName = 'channel-service',
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    applicationName,
    entities: schema.entities,
    migrations: schema.migrations,
    migrationsTableName: 'typeorm_migrations',
    // gen_random_uuid() is built into PostgreSQL 13+; uuid-ossp would need an extension installed.
    uuidExtension: 'pgcrypto',
    migrationsRun: false,
    synchronize: false,
    namingStrategy: new SnakeNamingStrategy(),
    extra: { max: 10, connectionTimeoutMillis: 5000 },
    // Failures are logged by the app, through the redacting logger; TypeORM would print query parameters.
    logging: false,
  };
}
