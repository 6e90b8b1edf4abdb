import { resolve } from 'node:path';
import {
  AppConfig,
  LOG_FORMATS,
  LOG_LEVELS,
  ROLES,
  type LogFormat,
  type LogLevel,
  type NodeEnv,
  type Role,
} from './app-config.js';
import { parseTracingConfig } from './tracing-config.js';
import { ConfigError } from './config.error.js';
import { DURATION_RULE, parseDuration } from '../time/duration.js';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface DevSecrets {
  platformAdminToken: string;
  secretsKey: string;
}

/** Chats of one channel worked at once per replica and lane: a slow or dead client server holds at most this many slots. */
export const DEFAULT_CHANNEL_MAX_IN_FLIGHT = 32;

/**
 * Each channel's inbound budget (a token bucket per channel and replica): past it the webhook answers 429. Far above
 * what a client server sends in normal use; a channel can have its own in the admin API.
 */
export const DEFAULT_INBOUND_RATE_PER_SECOND = 100;
export const DEFAULT_INBOUND_BURST = 500;

/** Headers within 10 s, the whole request within 30 s: a slow or stalled client holds a connection no longer. */
export const DEFAULT_HTTP_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_HTTP_REQUEST_TIMEOUT_MS = 30_000;
const HTTP_TIMEOUT_RANGE_MS = [1_000, 600_000] as const;

export const DEFAULT_RETRY_DELAYS_MS = [1000, 5000, 30000, 120000, 600000, 1800000, 3600000] as const;

/** How long an ended message is kept (a tenant can have its own), and how often the retention sweep runs. */
export const DEFAULT_MESSAGE_RETENTION_SECONDS = 30 * 86_400;
export const DEFAULT_RETENTION_SWEEP_INTERVAL_SECONDS = 60;
export const DEFAULT_CHANNEL_PAUSE_AFTER_SECONDS = 24 * 60 * 60;
export const DEFAULT_CHANNEL_PROBE_INTERVAL_SECONDS = 5 * 60;

/** What deploy/channel-service.env holds where the operator must put a value of their own. */
export const PLACEHOLDER = 'CHANGE_ME';

const REQUIRED_IN_PRODUCTION: Readonly<Record<string, string>> = {
  DATABASE_URL: 'the PostgreSQL connection string',
  PUBLIC_BASE_URL: 'the public base URL of platformWebhookUrl, e.g. https://channels.example.com',
  PLATFORM_ADMIN_TOKEN: 'the operator bearer token (at least 16 characters)',
  SECRETS_KEY: 'a 32-byte AES-256-GCM key, base64 (openssl rand -base64 32)',
  AGENT_RUNTIME_URL: 'the base URL of the Agent runtime',
};

/**
 * Validates the environment once at boot. Every problem is collected so the operator sees them all;
 * `devSecrets` is called only outside production, when a generated token or key is needed.
 */
export function loadConfig(env: Environment, devSecrets: (dataDir: string) => DevSecrets): AppConfig {
  const problems: string[] = [];
  const placeholders = new Set<string>();
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    if (value === PLACEHOLDER) {
      // Never a real value, in any environment: the operator has not set it yet.
      if (!placeholders.has(name)) {
        placeholders.add(name);
        problems.push(
          `${name} is still ${PLACEHOLDER} (the placeholder in deploy/channel-service.env): set it to ${REQUIRED_IN_PRODUCTION[name] ?? 'a real value'}.`,
        );
      }
      return undefined;
    }
    return value === undefined || value === '' ? undefined : value;
  };

  const nodeEnv = parseNodeEnv(read('NODE_ENV'), problems);
  const production = nodeEnv === 'production';
  if (production) {
    for (const [name, meaning] of Object.entries(REQUIRED_IN_PRODUCTION)) {
      if (read(name) === undefined && !placeholders.has(name))
        problems.push(`Missing required environment variable ${name}: ${meaning}.`);
    }
  }

  const dataDir = resolve(read('DATA_DIR') ?? '.data');
  const port = parsePort(read('PORT'), problems);
  const databaseUrl = parseDatabaseUrl(read('DATABASE_URL'), problems);
  const publicBaseUrl =
    parseHttpUrl('PUBLIC_BASE_URL', read('PUBLIC_BASE_URL'), problems) ?? `http://localhost:${port}`;
  const agentRuntimeUrl = parseHttpUrl('AGENT_RUNTIME_URL', read('AGENT_RUNTIME_URL'), problems);
  const agentDeliveryEvents = parseBoolean('AGENT_DELIVERY_EVENTS', read('AGENT_DELIVERY_EVENTS'), false, problems);
  const outboundAllowPrivateNetworks = parseBoolean(
    'OUTBOUND_ALLOW_PRIVATE_NETWORKS',
    read('OUTBOUND_ALLOW_PRIVATE_NETWORKS'),
    !production,
    problems,
  );
  const allowHttpWebhooks = parseBoolean('ALLOW_HTTP_WEBHOOKS', read('ALLOW_HTTP_WEBHOOKS'), !production, problems);
  const deliveryRetryDelaysMs = parseDelays(read('DELIVERY_RETRY_DELAYS_MS'), problems);
  const channelMaxInFlight = parsePositiveInt(
    'CHANNEL_MAX_IN_FLIGHT',
    read('CHANNEL_MAX_IN_FLIGHT'),
    DEFAULT_CHANNEL_MAX_IN_FLIGHT,
    problems,
  );
  const inboundRatePerSecond = parsePositiveInt(
    'INBOUND_RATE_LIMIT_PER_SECOND',
    read('INBOUND_RATE_LIMIT_PER_SECOND'),
    DEFAULT_INBOUND_RATE_PER_SECOND,
    problems,
  );
  const inboundBurst = parsePositiveInt(
    'INBOUND_RATE_LIMIT_BURST',
    read('INBOUND_RATE_LIMIT_BURST'),
    DEFAULT_INBOUND_BURST,
    problems,
  );
  const [httpHeadersTimeoutMs, httpRequestTimeoutMs] = parseHttpTimeouts(
    read('HTTP_HEADERS_TIMEOUT_MS'),
    read('HTTP_REQUEST_TIMEOUT_MS'),
    problems,
  );
  const messageRetentionSeconds = parseDurationVariable(
    'MESSAGE_RETENTION',
    read('MESSAGE_RETENTION'),
    DEFAULT_MESSAGE_RETENTION_SECONDS,
    problems,
  );
  const retentionSweepIntervalSeconds = parseDurationVariable(
    'RETENTION_SWEEP_INTERVAL',
    read('RETENTION_SWEEP_INTERVAL'),
    DEFAULT_RETENTION_SWEEP_INTERVAL_SECONDS,
    problems,
  );
  const channelPauseAfterSeconds = parseDurationVariable(
    'CHANNEL_PAUSE_AFTER',
    read('CHANNEL_PAUSE_AFTER'),
    DEFAULT_CHANNEL_PAUSE_AFTER_SECONDS,
    problems,
  );
  const channelProbeIntervalSeconds = parseDurationVariable(
    'CHANNEL_PROBE_INTERVAL',
    read('CHANNEL_PROBE_INTERVAL'),
    DEFAULT_CHANNEL_PROBE_INTERVAL_SECONDS,
    problems,
  );
  const role = parseEnum<Role>('ROLE', read('ROLE'), ROLES, 'all', problems);
  const migrateOnStart = parseBoolean('MIGRATE_ON_START', read('MIGRATE_ON_START'), databaseUrl === null, problems);
  const logLevel = parseEnum<LogLevel>('LOG_LEVEL', read('LOG_LEVEL'), LOG_LEVELS, 'info', problems);
  const logFormatText = read('LOG_FORMAT');
  const logFormat =
    logFormatText === undefined
      ? null
      : parseEnum<LogFormat>('LOG_FORMAT', logFormatText, LOG_FORMATS, 'json', problems);
  const tracing = parseTracingConfig(read, problems);

  let platformAdminToken = read('PLATFORM_ADMIN_TOKEN');
  const platformAdminTokenGenerated = platformAdminToken === undefined;
  let secretsKeyText = read('SECRETS_KEY');
  if (platformAdminToken !== undefined && platformAdminToken.length < 16) {
    problems.push('PLATFORM_ADMIN_TOKEN must be at least 16 characters long.');
  }
  if (!production && (platformAdminToken === undefined || secretsKeyText === undefined) && problems.length === 0) {
    const generated = devSecrets(dataDir);
    platformAdminToken ??= generated.platformAdminToken;
    secretsKeyText ??= generated.secretsKey;
  }
  const secretsKey = parseSecretsKey(secretsKeyText, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return new AppConfig({
    nodeEnv,
    databaseUrl,
    port,
    publicBaseUrl,
    platformAdminToken: platformAdminToken ?? '',
    platformAdminTokenGenerated,
    secretsKey: secretsKey ?? Buffer.alloc(0),
    agentRuntimeUrl,
    agentDeliveryEvents,
    outboundAllowPrivateNetworks,
    allowHttpWebhooks,
    deliveryRetryDelaysMs,
    channelMaxInFlight,
    inboundRatePerSecond,
    inboundBurst,
    httpHeadersTimeoutMs,
    httpRequestTimeoutMs,
    messageRetentionSeconds,
    retentionSweepIntervalSeconds,
    channelPauseAfterSeconds,
    channelProbeIntervalSeconds,
    role,
    migrateOnStart,
    logLevel,
    logFormat,
    tracing,
    dataDir,
  });
}

function parseNodeEnv(value: string | undefined, problems: string[]): NodeEnv {
  if (value === undefined) return 'development';
  if (value === 'production' || value === 'development' || value === 'test') return value;
  problems.push(`NODE_ENV must be production, development or test, not "${value}".`);
  return 'development';
}

function parsePort(value: string | undefined, problems: string[]): number {
  if (value === undefined) return 3000;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    problems.push(`PORT must be an integer from 0 to 65535, not "${value}".`);
    return 3000;
  }
  return port;
}

function parseDatabaseUrl(value: string | undefined, problems: string[]): string | null {
  if (value === undefined) return null;
  if (!/^postgres(ql)?:\/\/.+/.test(value)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// connection string.');
    return null;
  }
  return value;
}

function parseHttpUrl(name: string, value: string | undefined, problems: string[]): string | null {
  if (value === undefined) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${name} must be an absolute http(s) URL, not "${value}".`);
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push(`${name} must use http or https, not "${url.protocol}".`);
    return null;
  }
  return value.replace(/\/+$/, '');
}

function parseBoolean(name: string, value: string | undefined, fallback: boolean, problems: string[]): boolean {
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  problems.push(`${name} must be true or false, not "${value}".`);
  return fallback;
}

function parseDelays(value: string | undefined, problems: string[]): readonly number[] {
  if (value === undefined) return DEFAULT_RETRY_DELAYS_MS;
  const parts = value.split(',').map((part) => part.trim());
  if (parts.some((part) => !/^\d+$/.test(part))) {
    problems.push(
      `DELIVERY_RETRY_DELAYS_MS must be comma-separated whole milliseconds, e.g. 1000,5000,30000, not "${value}".`,
    );
    return DEFAULT_RETRY_DELAYS_MS;
  }
  return parts.map(Number);
}

function parsePositiveInt(name: string, value: string | undefined, fallback: number, problems: string[]): number {
  if (value === undefined) return fallback;
  if (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 100_000) return Number(value);
  problems.push(`${name} must be a whole number from 1 to 100000, not "${value}".`);
  return fallback;
}

function parseDurationVariable(name: string, value: string | undefined, fallback: number, problems: string[]): number {
  if (value === undefined) return fallback;
  const seconds = parseDuration(value);
  if (seconds !== null) return seconds;
  problems.push(`${name} must be ${DURATION_RULE}, not "${value}".`);
  return fallback;
}

function parseHttpTimeouts(
  headers: string | undefined,
  request: string | undefined,
  problems: string[],
): [headersMs: number, requestMs: number] {
  const [min, max] = HTTP_TIMEOUT_RANGE_MS;
  const parse = (name: string, value: string | undefined, fallback: number): number | null => {
    if (value === undefined) return fallback;
    if (/^\d+$/.test(value) && Number(value) >= min && Number(value) <= max) return Number(value);
    problems.push(`${name} must be whole milliseconds from ${min} to ${max}, not "${value}".`);
    return null;
  };
  const headersMs = parse('HTTP_HEADERS_TIMEOUT_MS', headers, DEFAULT_HTTP_HEADERS_TIMEOUT_MS);
  const requestMs = parse('HTTP_REQUEST_TIMEOUT_MS', request, DEFAULT_HTTP_REQUEST_TIMEOUT_MS);
  if (headersMs === null || requestMs === null)
    return [headersMs ?? DEFAULT_HTTP_HEADERS_TIMEOUT_MS, requestMs ?? DEFAULT_HTTP_REQUEST_TIMEOUT_MS];
  // Node refuses a server whose headers deadline is later than its whole-request deadline.
  if (headersMs > requestMs)
    problems.push(
      `HTTP_HEADERS_TIMEOUT_MS (${headersMs}) must not be greater than HTTP_REQUEST_TIMEOUT_MS (${requestMs}).`,
    );
  return [headersMs, requestMs];
}

function parseEnum<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
  problems: string[],
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  problems.push(`${name} must be one of ${allowed.join(', ')}, not "${value}".`);
  return fallback;
}

function parseSecretsKey(value: string | undefined, problems: string[]): Buffer | null {
  if (value === undefined) return null;
  const key = Buffer.from(value, 'base64');
  if (key.length !== 32 || !/^[A-Za-z0-9+/]+=*$/.test(value)) {
    problems.push('SECRETS_KEY must be exactly 32 bytes encoded as base64 (openssl rand -base64 32).');
    return null;
  }
  return key;
}

export interface DatabaseSettings {
  databaseUrl: string | null;
  dataDir: string;
}

/** What the migration CLI needs: only the database, so a migration job needs no other secret. */
export function loadDatabaseSettings(env: Environment): DatabaseSettings {
  const problems: string[] = [];
  const url = env.DATABASE_URL?.trim() || undefined;
  const production = env.NODE_ENV?.trim() === 'production';
  if (production && url === undefined)
    problems.push(`Missing required environment variable DATABASE_URL: ${REQUIRED_IN_PRODUCTION.DATABASE_URL}.`);
  const databaseUrl = parseDatabaseUrl(url, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { databaseUrl, dataDir: resolve(env.DATA_DIR?.trim() || '.data') };
}
