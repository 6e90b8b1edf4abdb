import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ApiKeyEntity } from './api-key.entity.js';
import { TenantEntity } from './tenant.entity.js';

@Injectable()
export class TenantsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The tenant and its first key commit together. */
  async createWithKey(name: string, keyHash: Buffer): Promise<{ tenant: TenantEntity; key: ApiKeyEntity }> {
    return this.dataSource.transaction(async (manager) => {
      const tenant = await manager.save(manager.create(TenantEntity, { name }));
      const key = await manager.save(manager.create(ApiKeyEntity, { tenantId: tenant.id, keyHash }));
      return { tenant, key };
    });
  }

  list(): Promise<TenantEntity[]> {
    return this.dataSource.getRepository(TenantEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Changes what is given (undefined leaves a field as it is); null when there is no such live tenant. */
  async update(
    tenantId: string,
    changes: { name?: string; messageRetentionSeconds?: number | null },
  ): Promise<TenantEntity | null> {
    const rows = (await this.dataSource.query(
      `UPDATE tenants SET name = CASE WHEN $2 THEN $3 ELSE name END,
              message_retention_seconds = CASE WHEN $4 THEN $5::int ELSE message_retention_seconds END
       WHERE id = $1 AND deleted_at IS NULL
       RETURNING id, name, message_retention_seconds AS "messageRetentionSeconds", created_at AS "createdAt"`,
      [
        tenantId,
        changes.name !== undefined,
        changes.name ?? null,
        changes.messageRetentionSeconds !== undefined,
        changes.messageRetentionSeconds ?? null,
      ],
    )) as [Pick<TenantEntity, 'id' | 'name' | 'messageRetentionSeconds' | 'createdAt'>[], number];
    const row = rows[0][0];
    return row ? Object.assign(new TenantEntity(), row, { deletedAt: null }) : null;
  }

  findTenant(tenantId: string): Promise<TenantEntity | null> {
    return this.dataSource.getRepository(TenantEntity).findOneBy({ id: tenantId });
  }

  addKey(tenantId: string, keyHash: Buffer): Promise<ApiKeyEntity> {
    const keys = this.dataSource.getRepository(ApiKeyEntity);
    return keys.save(keys.create({ tenantId, keyHash }));
  }

  /** Oldest first; the hash stays in the database. */
  listKeys(tenantId: string): Promise<Pick<ApiKeyEntity, 'id' | 'createdAt'>[]> {
    return this.dataSource.getRepository(ApiKeyEntity).find({
      select: { id: true, createdAt: true },
      where: { tenantId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  async deleteKey(tenantId: string, keyId: string): Promise<boolean> {
    const result = await this.dataSource.getRepository(ApiKeyEntity).delete({ tenantId, id: keyId });
    return (result.affected ?? 0) > 0;
  }

  findKeyByHash(keyHash: Buffer): Promise<ApiKeyEntity | null> {
    return this.dataSource.getRepository(ApiKeyEntity).findOneBy({ keyHash });
  }
}
