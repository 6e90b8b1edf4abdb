import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '#common';
import { DatabaseOutage } from './database-outage.js';
import { DatabaseReadyMetric } from './database-ready.metric.js';
import { PreparedStatements } from './prepared-statements.js';
import { SqlTransactions } from './sql-transactions.js';
import { buildDataSourceOptions, type SchemaParts } from './typeorm-options.js';

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(schema: SchemaParts): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => {
            if (config.databaseUrl === null) throw new Error('The database URL must be resolved before the app starts');
            return { ...buildDataSourceOptions(config.databaseUrl, schema), retryAttempts: 3, retryDelay: 1000 };
          },
        }),
      ],
      providers: [SqlTransactions, PreparedStatements, DatabaseOutage, DatabaseReadyMetric],
      exports: [SqlTransactions, PreparedStatements, DatabaseOutage, TypeOrmModule],
    };
  }
}
