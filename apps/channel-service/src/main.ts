import 'reflect-metadata';
import pino from 'pino';
import { AppConfig, ConfigError, SERVICE_NAME, configFromEnvironment, logFormatOf, stdoutDestination } from '#common';
import { describeDatabaseUrl, runMigrations, startEmbeddedPostgres, type EmbeddedPostgres } from '#database';
import { SCHEMA } from './schema.js';
import { createApp, installGracefulShutdown } from './setup-app.js';

function loadConfigOrExit(): AppConfig {
  try {
    return configFromEnvironment();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${SERVICE_NAME} cannot start: the configuration is incomplete or invalid.\n`);
    for (const problem of error.problems) process.stderr.write(`${problem}\n`);
    process.exit(1);
  }
}

function banner(config: AppConfig, url: string, embedded: EmbeddedPostgres | null): string {
  const database = embedded
    ? `embedded PostgreSQL on 127.0.0.1:${embedded.port} (data in ${embedded.dataDir})`
    : describeDatabaseUrl(config.databaseUrl ?? '');
  const lines = [
    `${SERVICE_NAME} is running (${config.nodeEnv}, role ${config.role})`,
    `  URL:       ${url}`,
    `  API docs:  ${url}/docs`,
    ...(config.runsHttp ? [`  Console:   ${url}/console`] : []),
    `  Database:  ${database}`,
  ];
  // A token given in PLATFORM_ADMIN_TOKEN is the operator's already: only one the service generated is shown.
  if (config.nodeEnv === 'development' && config.platformAdminTokenGenerated)
    lines.push(`  Operator token (development only): ${config.platformAdminToken}`);
  return `\n${lines.join('\n')}\n\n`;
}

async function main(): Promise<void> {
  let config = loadConfigOrExit();
  const log = pino({ level: config.logLevel, base: { context: 'Bootstrap' } }, stdoutDestination(logFormatOf(config)));
  let embedded: EmbeddedPostgres | null = null;
  try {
    if (config.databaseUrl === null) {
      embedded = await startEmbeddedPostgres(config.dataDir, { info: (m) => log.info(m), warn: (m) => log.warn(m) });
      config = config.with({ databaseUrl: embedded.url });
    }
    if (config.migrateOnStart) {
      const { applied } = await runMigrations(config.databaseUrl ?? '', SCHEMA);
      if (applied.length > 0) log.info({ applied }, 'Applied database migrations');
    }
    const app = await createApp(config);
    const stopEmbedded = embedded ? embedded.stop : () => Promise.resolve();
    installGracefulShutdown(app, stopEmbedded, (message) => log.info(message));
    await app.listen(config.port);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    process.stdout.write(banner(config, `http://localhost:${port}`, embedded));
  } catch (error) {
    log.fatal({ err: error }, 'Startup failed');
    await embedded?.stop().catch(() => undefined);
    process.exit(1);
  }
}

await main();
