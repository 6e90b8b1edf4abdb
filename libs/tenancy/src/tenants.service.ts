import { Injectable } from '@nestjs/common';
import { AppConfig, AppError, ErrorCode, constantTimeEquals, randomToken, sha256 } from '#common';
import type { Caller } from './caller.js';
import { TenantsRepository } from './tenants.repository.js';

const API_KEY_PREFIX = 'csk_';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TenantView {
  id: string;
  name: string;
  createdAt: Date;
}

export interface ApiKeySummary {
  id: string;
  createdAt: Date;
}

export interface ApiKeyView extends ApiKeySummary {
  apiKey: string;
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly config: AppConfig,
  ) {}

  async create(name: string): Promise<TenantView & { apiKey: string; apiKeyId: string }> {
    const apiKey = newApiKey();
    const { tenant, key } = await this.tenants.createWithKey(name, sha256(apiKey));
    return { id: tenant.id, name: tenant.name, createdAt: tenant.createdAt, apiKey, apiKeyId: key.id };
  }

  async list(): Promise<TenantView[]> {
    return (await this.tenants.list()).map(({ id, name, createdAt }) => ({ id, name, createdAt }));
  }

  async listApiKeys(tenantId: string): Promise<ApiKeySummary[]> {
    if (!isUuid(tenantId) || !(await this.tenants.findTenant(tenantId))) throw tenantNotFound();
    return (await this.tenants.listKeys(tenantId)).map(({ id, createdAt }) => ({ id, createdAt }));
  }

  async createApiKey(tenantId: string): Promise<ApiKeyView> {
    if (!isUuid(tenantId) || !(await this.tenants.findTenant(tenantId))) throw tenantNotFound();
    const apiKey = newApiKey();
    const key = await this.tenants.addKey(tenantId, sha256(apiKey));
    return { id: key.id, apiKey, createdAt: key.createdAt };
  }

  async revokeApiKey(tenantId: string, keyId: string): Promise<void> {
    if (!isUuid(tenantId) || !isUuid(keyId) || !(await this.tenants.deleteKey(tenantId, keyId))) {
      throw apiKeyNotFound();
    }
  }

  /** Who is calling: the operator, a tenant (by a live API key), or nobody we know. */
  async identify(authorization: string | undefined): Promise<Caller | null> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return null;
    const token = match[1];
    if (constantTimeEquals(token, this.config.platformAdminToken)) return { kind: 'operator' };
    if (!token.startsWith(API_KEY_PREFIX)) return null;
    const key = await this.tenants.findKeyByHash(sha256(token));
    return key ? { kind: 'tenant', tenantId: key.tenantId, keyId: key.id } : null;
  }
}

function newApiKey(): string {
  return `${API_KEY_PREFIX}${randomToken(32)}`;
}

export function tenantNotFound(): AppError {
  return new AppError(ErrorCode.NOT_FOUND, 'Tenant not found.');
}

export function apiKeyNotFound(): AppError {
  return new AppError(ErrorCode.NOT_FOUND, 'API key not found.');
}
