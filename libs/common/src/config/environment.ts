import { existsSync } from 'node:fs';
import { AppConfig } from './app-config.js';
import { loadOrCreateDevSecrets } from './dev-secrets.js';
import { loadConfig, loadDatabaseSettings, type DatabaseSettings, type Environment } from './load-config.js';

/** The one place that reads `process.env`; a `.env` file in the working directory is loaded first when present. */
export function readEnvironment(): Environment {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return { ...process.env };
}

export function configFromEnvironment(overrides: Environment = {}): AppConfig {
  return loadConfig({ ...readEnvironment(), ...overrides }, loadOrCreateDevSecrets);
}

export function databaseSettingsFromEnvironment(): DatabaseSettings {
  return loadDatabaseSettings(readEnvironment());
}
