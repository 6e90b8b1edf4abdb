import { describe, expect, it, jest } from '@jest/globals';
import { ConfigError } from './config.error.js';
import {
  DEFAULT_RETRY_DELAYS_MS,
  loadConfig,
  loadDatabaseSettings,
  type DevSecrets,
  type Environment,
} from './load-config.js';

const KEY = Buffer.alloc(32, 1).toString('base64');
const devSecrets = (): DevSecrets => ({ platformAdminToken: 'generated-token-0123456789', secretsKey: KEY });

const PRODUCTION: Environment = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://u:p@db:5432/channels',
  PUBLIC_BASE_URL: 'https://channels.example.com/',
  PLATFORM_ADMIN_TOKEN: 'operator-token-0123456789',
  SECRETS_KEY: KEY,
  AGENT_RUNTIME_URL: 'https://agents.internal',
};

function problemsOf(env: Environment): string[] {
  try {
    loadConfig(env, devSecrets);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the documented defaults outside production, with generated secrets and the embedded database', () => {
    const config = loadConfig({}, devSecrets);
    expect(config).toMatchObject({
      nodeEnv: 'development',
      databaseUrl: null,
      port: 3000,
      publicBaseUrl: 'http://localhost:3000',
      platformAdminToken: 'generated-token-0123456789',
      platformAdminTokenGenerated: true,
      agentRuntimeUrl: null,
      agentDeliveryEvents: false,
      outboundAllowPrivateNetworks: true,
      allowHttpWebhooks: true,
      deliveryRetryDelaysMs: DEFAULT_RETRY_DELAYS_MS,
      role: 'all',
      migrateOnStart: true,
      logLevel: 'info',
      httpHeadersTimeoutMs: 10_000,
      httpRequestTimeoutMs: 30_000,
      inboundRatePerSecond: 100,
      inboundBurst: 500,
      messageRetentionSeconds: 30 * 86_400,
      retentionSweepIntervalSeconds: 60,
      channelPauseAfterSeconds: 86400,
      channelProbeIntervalSeconds: 300,
    });
    expect(config.secretsKey).toEqual(Buffer.alloc(32, 1));
    expect(config.runsHttp && config.runsWorkers).toBe(true);
  });

  it('follows PORT in the default public base URL', () => {
    expect(loadConfig({ PORT: '8080' }, devSecrets).publicBaseUrl).toBe('http://localhost:8080');
  });

  it('does not generate secrets that were given', () => {
    const generator = jest.fn(devSecrets);
    const config = loadConfig({ PLATFORM_ADMIN_TOKEN: 'given-token-0123456789', SECRETS_KEY: KEY }, generator);
    expect(generator).not.toHaveBeenCalled();
    expect(config.platformAdminTokenGenerated).toBe(false);
  });

  it('knows a given operator token from a generated one when only the secrets key is generated', () => {
    const config = loadConfig({ PLATFORM_ADMIN_TOKEN: 'given-token-0123456789' }, devSecrets);
    expect(config).toMatchObject({ platformAdminToken: 'given-token-0123456789', platformAdminTokenGenerated: false });
  });

  it('accepts a complete production environment with safe defaults for the switches', () => {
    const config = loadConfig(PRODUCTION, () => {
      throw new Error('production never generates secrets');
    });
    expect(config).toMatchObject({
      isProduction: true,
      publicBaseUrl: 'https://channels.example.com',
      outboundAllowPrivateNetworks: false,
      allowHttpWebhooks: false,
      migrateOnStart: false,
    });
  });

  it('names every missing required variable in production, one line each', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toHaveLength(5);
    for (const name of [
      'DATABASE_URL',
      'PUBLIC_BASE_URL',
      'PLATFORM_ADMIN_TOKEN',
      'SECRETS_KEY',
      'AGENT_RUNTIME_URL',
    ]) {
      expect(problems.filter((line) => line.startsWith(`Missing required environment variable ${name}:`))).toHaveLength(
        1,
      );
    }
  });

  it('refuses every CHANGE_ME placeholder left in the deployment file, one line each, naming what to set', () => {
    const problems = problemsOf({
      ...PRODUCTION,
      PUBLIC_BASE_URL: 'CHANGE_ME',
      PLATFORM_ADMIN_TOKEN: 'CHANGE_ME',
      SECRETS_KEY: 'CHANGE_ME',
      AGENT_RUNTIME_URL: 'CHANGE_ME',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^PUBLIC_BASE_URL is still CHANGE_ME .*: set it to the public base URL/),
      expect.stringMatching(/^PLATFORM_ADMIN_TOKEN is still CHANGE_ME .*: set it to the operator bearer token/),
      expect.stringMatching(/^SECRETS_KEY is still CHANGE_ME .*: set it to a 32-byte AES-256-GCM key/),
      expect.stringMatching(/^AGENT_RUNTIME_URL is still CHANGE_ME .*: set it to the base URL of the Agent runtime/),
    ]);
    // Outside production too: a placeholder is never a value, and no secret is generated in its stead.
    expect(problemsOf({ PLATFORM_ADMIN_TOKEN: 'CHANGE_ME' })).toEqual([
      expect.stringMatching(/^PLATFORM_ADMIN_TOKEN is still CHANGE_ME/),
    ]);
  });

  it('treats blank values as missing', () => {
    expect(problemsOf({ ...PRODUCTION, SECRETS_KEY: '  ' })).toEqual([expect.stringContaining('SECRETS_KEY')]);
  });

  it.each([
    ['PORT', 'eighty', 'PORT must be an integer'],
    ['PORT', '70000', 'PORT must be an integer'],
    ['DATABASE_URL', 'mysql://x', 'DATABASE_URL must be a postgres://'],
    ['PUBLIC_BASE_URL', 'not a url', 'PUBLIC_BASE_URL must be an absolute http(s) URL'],
    ['SECRETS_KEY', Buffer.alloc(16).toString('base64'), 'SECRETS_KEY must be exactly 32 bytes'],
    ['PLATFORM_ADMIN_TOKEN', 'short', 'PLATFORM_ADMIN_TOKEN must be at least 16 characters'],
    ['OUTBOUND_ALLOW_PRIVATE_NETWORKS', 'maybe', 'OUTBOUND_ALLOW_PRIVATE_NETWORKS must be true or false'],
    ['DELIVERY_RETRY_DELAYS_MS', '1000,-5', 'DELIVERY_RETRY_DELAYS_MS must be comma-separated whole milliseconds'],
    ['ROLE', 'boss', 'ROLE must be one of all, api, worker'],
    ['MESSAGE_RETENTION', '30', 'MESSAGE_RETENTION must be a whole number and a unit d, h, m or s'],
    ['MESSAGE_RETENTION', '0d', 'MESSAGE_RETENTION must be a whole number and a unit d, h, m or s'],
    ['RETENTION_SWEEP_INTERVAL', '1w', 'RETENTION_SWEEP_INTERVAL must be a whole number and a unit d, h, m or s'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL must be one of'],
    ['NODE_ENV', 'staging', 'NODE_ENV must be production, development or test'],
    ['HTTP_HEADERS_TIMEOUT_MS', 'soon', 'HTTP_HEADERS_TIMEOUT_MS must be whole milliseconds from 1000 to 600000'],
    ['HTTP_HEADERS_TIMEOUT_MS', '999', 'HTTP_HEADERS_TIMEOUT_MS must be whole milliseconds from 1000 to 600000'],
    ['HTTP_REQUEST_TIMEOUT_MS', '0', 'HTTP_REQUEST_TIMEOUT_MS must be whole milliseconds from 1000 to 600000'],
    ['HTTP_REQUEST_TIMEOUT_MS', '600001', 'HTTP_REQUEST_TIMEOUT_MS must be whole milliseconds from 1000 to 600000'],
    [
      'HTTP_REQUEST_TIMEOUT_MS',
      '5000',
      'HTTP_HEADERS_TIMEOUT_MS (10000) must not be greater than HTTP_REQUEST_TIMEOUT_MS',
    ],
  ])('rejects %s=%s', (name, value, message) => {
    expect(problemsOf({ ...PRODUCTION, [name]: value })).toEqual([expect.stringContaining(message)]);
  });

  it('parses the remaining variables', () => {
    const config = loadConfig(
      {
        ...PRODUCTION,
        DELIVERY_RETRY_DELAYS_MS: ' 10, 20 ,30',
        ROLE: 'worker',
        MIGRATE_ON_START: 'true',
        ALLOW_HTTP_WEBHOOKS: '1',
        LOG_LEVEL: 'debug',
        HTTP_HEADERS_TIMEOUT_MS: '5000',
        HTTP_REQUEST_TIMEOUT_MS: '5000',
        INBOUND_RATE_LIMIT_PER_SECOND: '20',
        INBOUND_RATE_LIMIT_BURST: '40',
        MESSAGE_RETENTION: '2m',
        RETENTION_SWEEP_INTERVAL: '5s',
        CHANNEL_PAUSE_AFTER: '4s',
        CHANNEL_PROBE_INTERVAL: '2s',
        AGENT_DELIVERY_EVENTS: 'true',
      },
      devSecrets,
    );
    expect(config).toMatchObject({
      messageRetentionSeconds: 120,
      retentionSweepIntervalSeconds: 5,
      channelPauseAfterSeconds: 4,
      channelProbeIntervalSeconds: 2,
      agentDeliveryEvents: true,
      deliveryRetryDelaysMs: [10, 20, 30],
      role: 'worker',
      runsHttp: false,
      runsWorkers: true,
      migrateOnStart: true,
      allowHttpWebhooks: true,
      logLevel: 'debug',
      httpHeadersTimeoutMs: 5000,
      httpRequestTimeoutMs: 5000,
      inboundRatePerSecond: 20,
      inboundBurst: 40,
    });
  });

  it('refuses an inbound rate limit that is not a whole number from 1 to 100000', () => {
    const problems = problemsOf({ INBOUND_RATE_LIMIT_PER_SECOND: '0', INBOUND_RATE_LIMIT_BURST: '1.5' });
    expect(problems).toContain('INBOUND_RATE_LIMIT_PER_SECOND must be a whole number from 1 to 100000, not "0".');
    expect(problems).toContain('INBOUND_RATE_LIMIT_BURST must be a whole number from 1 to 100000, not "1.5".');
  });

  it('never puts a secret value into a problem', () => {
    const problems = problemsOf({ ...PRODUCTION, SECRETS_KEY: 'c2VjcmV0LXZhbHVl', PLATFORM_ADMIN_TOKEN: 'tiny' });
    expect(problems.join('\n')).not.toMatch(/c2VjcmV0LXZhbHVl|tiny/);
  });
});

describe('loadDatabaseSettings', () => {
  it('needs only DATABASE_URL, even in production', () => {
    expect(loadDatabaseSettings({ NODE_ENV: 'production', DATABASE_URL: 'postgresql://db/x' }).databaseUrl).toBe(
      'postgresql://db/x',
    );
    expect(() => loadDatabaseSettings({ NODE_ENV: 'production' })).toThrow(/DATABASE_URL/);
    expect(loadDatabaseSettings({}).databaseUrl).toBeNull();
  });
});
