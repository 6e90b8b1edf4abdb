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
