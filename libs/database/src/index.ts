export { DatabaseModule } from './database.module.js';
export { buildDataSourceOptions, type SchemaParts } from './typeorm-options.js';
export { SnakeNamingStrategy, toSnakeCase } from './snake-naming.strategy.js';
export {
  runMigrations,
  revertLastMigration,
  detectSchemaDrift,
  generateMigration,
  writeMigrationIndex,
  renderMigration,
  type SchemaDrift,
  type MigrationReport,
} from './migrator.js';
export {
  startEmbeddedPostgres,
  describeDatabaseUrl,
  unreachableAncestor,
  EMBEDDED_DATABASE_NAME,
  type EmbeddedPostgres,
  type EmbeddedPostgresLog,
} from './embedded-postgres.js';
export { SqlTransactions, type SqlTransaction } from './sql-transactions.js';
export { PreparedStatements, prepared, type PreparedStatement } from './prepared-statements.js';
export { DatabaseOutage, isDatabaseUnreachable, OUTAGE_RETRY_MAX_MS, OUTAGE_RETRY_MIN_MS } from './database-outage.js';
export { DatabaseReadyMetric, databaseAnswers, READY_TIMEOUT_MS } from './database-ready.metric.js';
