import { Injectable } from '@nestjs/common';
import {
  AppConfig,
  AppError,
  ErrorCode,
  constantTimeEquals,
  formatDuration,
  parseDuration,
  randomToken,
  sha256,
} from '#common';
import type { Caller } from './caller.js';
import type { TenantEntity } from './tenant.entity.js';
import { TenantsRepository } from './tenants.repository.js';

const API_KEY_PREFIX = 'csk_';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TenantView {
  id: string;
  name: string;
  messageRetention: string;
  messageRetentionSource: 'tenant' | 'default';
  createdAt: Date;
}

export interface TenantChanges {
  name?: string;
  /** A duration; null: back to MESSAGE_RETENTION. */
  messageRetention?: string | null;
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
    return { ...this.view(tenant), apiKey, apiKeyId: key.id };
  }

  async list(): Promise<TenantView[]> {
    return (await this.tenants.list()).map((tenant) => this.view(tenant));
  }

  async update(tenantId: string, changes: TenantChanges): Promise<TenantView> {
    const retention =
      changes.messageRetention === undefined
        ? undefined
        : changes.messageRetention === null
          ? null
          : parseDuration(changes.messageRetention);
    const tenant = isUuid(tenantId)
      ? await this.tenants.update(tenantId, { name: changes.name, messageRetentionSeconds: retention })
      : null;
    if (!tenant) throw tenantNotFound();
    return this.view(tenant);
  }

  private view(tenant: TenantEntity): TenantView {
    const own = tenant.messageRetentionSeconds;
    return {
      id: tenant.id,
      name: tenant.name,
      messageRetention: formatDuration(own ?? this.config.messageRetentionSeconds),
      messageRetentionSource: own === null ? 'default' : 'tenant',
      createdAt: tenant.createdAt,
    };
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
