import { describe, expect, it, jest } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { loadConfig } from '../config/load-config.js';
import { QuietStartupLogger, logFormatOf } from './log-format.js';

const secrets = () => ({
  platformAdminToken: 'generated-token-0123456789',
  secretsKey: Buffer.alloc(32, 1).toString('base64'),
});

describe('logFormatOf', () => {
  it('is pretty in development on a terminal, JSON elsewhere, and LOG_FORMAT wins', () => {
    const development = loadConfig({}, secrets);
    expect(logFormatOf(development, true)).toBe('pretty');
    expect(logFormatOf(development, false)).toBe('json');
    expect(logFormatOf(loadConfig({ NODE_ENV: 'test' }, secrets), true)).toBe('json');
    expect(logFormatOf(loadConfig({ LOG_FORMAT: 'json' }, secrets), true)).toBe('json');
    expect(logFormatOf(loadConfig({ NODE_ENV: 'test', LOG_FORMAT: 'pretty' }, secrets), false)).toBe('pretty');
  });

  it('refuses another LOG_FORMAT', () => {
    expect(() => loadConfig({ LOG_FORMAT: 'yaml' }, secrets)).toThrow(/LOG_FORMAT must be one of json, pretty/);
  });
});

describe('QuietStartupLogger', () => {
  it("moves Nest's module and route start-up lines to debug and passes everything else through", () => {
    const inner = { log: jest.fn(), debug: jest.fn(), warn: jest.fn(), error: jest.fn() };
    const logger = new QuietStartupLogger(inner as unknown as LoggerService);
    logger.log('Mapped {/api/v1/channels, GET} route', 'RouterExplorer');
    logger.log('ChannelsController {/api/v1/channels}:', 'RoutesResolver');
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.log('Nest application successfully started', 'NestApplication');
    logger.warn('careful', 'Somewhere');
    expect(inner.debug).toHaveBeenCalledTimes(3);
    expect(inner.log).toHaveBeenCalledWith('Nest application successfully started', 'NestApplication');
    expect(inner.warn).toHaveBeenCalledWith('careful', 'Somewhere');
  });
});
