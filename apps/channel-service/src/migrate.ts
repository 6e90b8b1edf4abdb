import 'reflect-metadata';
import { join } from 'node:path';
import { ConfigError, databaseSettingsFromEnvironment } from '#common';
import {
  describeDatabaseUrl,
  detectSchemaDrift,
  generateMigration,
  revertLastMigration,
  runMigrations,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '#database';
import { SCHEMA } from './schema.js';

const USAGE = 'usage: migrate run | revert | check | generate <PascalCaseName>';

const log = (message: string): void => void process.stdout.write(`${message}\n`);

async function command(name: string | undefined, url: string, args: string[]): Promise<number> {
  switch (name) {
    case 'run': {
      const { applied } = await runMigrations(url, SCHEMA);
      log(
        applied.length > 0 ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'No pending migrations.',
      );
      return 0;
    }
    case 'revert':
      await revertLastMigration(url, SCHEMA);
      log('Reverted the last migration.');
      return 0;
    case 'check': {
      const drift = await detectSchemaDrift(url, SCHEMA);
      if (drift.up.length === 0) {
        log('Entities and migrations agree.');
        return 0;
      }
      log('Entities and migrations disagree; a migration is missing. The database would need:');
      for (const query of drift.up) log(`  ${query};`);
      log('Run `npm run migration:generate -- <Name>` and review the new file.');
      return 1;
    }
    case 'generate': {
      const name = args[0];
      if (!name) {
        log(USAGE);
        return 2;
      }
      const file = await generateMigration(url, SCHEMA, name, join(process.cwd(), 'migrations'));
      log(
        file
          ? `Wrote ${file} and updated migrations/index.ts. Read and tidy it before committing.`
          : 'No changes: entities and migrations agree.',
      );
      return 0;
    }
    default:
      log(USAGE);
      return 2;
  }
}

/** The migration CLI: DATABASE_URL when set, otherwise the embedded PostgreSQL the app would use. */
async function main(): Promise<number> {
  const [name, ...args] = process.argv.slice(2);
  let settings;
  try {
    settings = databaseSettingsFromEnvironment();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`${problem}\n`);
    return 1;
  }
  let embedded: EmbeddedPostgres | null = null;
  try {
    if (settings.databaseUrl === null) {
      embedded = await startEmbeddedPostgres(settings.dataDir, { info: log, warn: log });
      log(`Using the embedded PostgreSQL in ${embedded.dataDir}.`);
    } else {
      log(`Using ${describeDatabaseUrl(settings.databaseUrl)}.`);
    }
    return await command(name, embedded?.url ?? settings.databaseUrl ?? '', args);
  } catch (error) {
    process.stderr.write(`Migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await embedded?.stop();
  }
}

process.exitCode = await main();
