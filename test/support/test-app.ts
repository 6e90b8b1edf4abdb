import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig, type AppConfig, type Environment } from '#common';
import { runMigrations } from '#database';
import { SCHEMA } from '../../apps/channel-service/src/schema.js';
import { createApp } from '../../apps/channel-service/src/setup-app.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const TEST_ADMIN_TOKEN = 'test-operator-token-0123456789';
export const TEST_SECRETS_KEY = Buffer.alloc(32, 7).toString('base64');

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  database: TestDatabase;
  /** http://127.0.0.1:<port> of the listening app. */
  baseUrl: string;
  /** Every JSON log line the app wrote, as written. */
  logs: string[];
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Environment;
  /** Reuse a database (e.g. a second replica); a fresh migrated one otherwise. */
  database?: TestDatabase;
  /** The port to listen on (default: any free one). */
  port?: number;
}

export function testConfig(databaseUrl: string, env: Environment = {}): AppConfig {
  return loadConfig(
    {
      NODE_ENV: 'test',
      PORT: '0',
      LOG_LEVEL: 'info',
      PLATFORM_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      SECRETS_KEY: TEST_SECRETS_KEY,
      DELIVERY_RETRY_DELAYS_MS: '200,400,800',
      ...env,
      DATABASE_URL: databaseUrl,
    },
    () => {
      throw new Error('tests pass every secret explicitly');
    },
  );
}

/** Boots the real app (same module, same setupApp as main.ts) on its own migrated database. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const ownsDatabase = options.database === undefined;
  if (ownsDatabase) await runMigrations(database.url, SCHEMA);
  const config = testConfig(database.url, options.env);
  const logs: string[] = [];
  const app = await createApp(config, { logDestination: { write: (line: string) => logs.push(line) } });
  await app.listen(options.port ?? 0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (typeof address !== 'object' || address === null) throw new Error('the app is not listening');
  return {
    app,
    config,
    database,
    baseUrl: `http://127.0.0.1:${address.port}`,
    logs,
    close: async () => {
      await app.close();
      if (ownsDatabase) await database.drop();
    },
  };
}
