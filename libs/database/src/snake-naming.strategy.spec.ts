import { describe, expect, it } from '@jest/globals';
import { SnakeNamingStrategy, toSnakeCase } from './snake-naming.strategy.js';

describe('SnakeNamingStrategy', () => {
  it.each([
    ['tenantId', 'tenant_id'],
    ['ApiKey', 'api_key'],
    ['webhookURLToken', 'webhook_url_token'],
    ['already_snake', 'already_snake'],
  ])('turns %s into %s', (input, expected) => {
    expect(toSnakeCase(input)).toBe(expected);
  });

  it('keeps names given explicitly and snake-cases the rest', () => {
    const naming = new SnakeNamingStrategy();
    expect(naming.tableName('AgentChannel', undefined)).toBe('agent_channel');
    expect(naming.tableName('AgentChannel', 'channels')).toBe('channels');
    expect(naming.columnName('createdAt', undefined, [])).toBe('created_at');
    expect(naming.columnName('createdAt', 'created', [])).toBe('created');
    expect(naming.joinColumnName('tenant', 'id')).toBe('tenant_id');
  });
});
