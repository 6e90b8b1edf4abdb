import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { isUuid } from '#tenancy';
import { ChannelEntity } from './channel.entity.js';

export type NewChannel = Omit<
  ChannelEntity,
  | 'id'
  | 'createdAt'
  | 'updatedAt'
  | 'deletedAt'
  | 'agent'
  | 'pausedAt'
  | 'pauseReason'
  | 'deliveryFailingSince'
  | 'probeAt'
  | 'sendHeldUntil'
  | 'deliveryTat'
>;

@Injectable()
export class ChannelsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  insert(channel: NewChannel): Promise<ChannelEntity> {
    const repository = this.dataSource.getRepository(ChannelEntity);
    return repository.save(repository.create(channel));
  }

  /** An id that is not a uuid names no channel: null, rather than a cast error from PostgreSQL. */
  async find(tenantId: string, id: string): Promise<ChannelEntity | null> {
    if (!isUuid(id)) return null;
    return this.dataSource.getRepository(ChannelEntity).findOneBy({ tenantId, id });
  }

  /** Locks the row for a read-modify-write inside `manager`'s transaction. */
  async findForUpdate(manager: EntityManager, tenantId: string, id: string): Promise<ChannelEntity | null> {
    if (!isUuid(id)) return null;
    return manager
      .getRepository(ChannelEntity)
      .findOne({ where: { tenantId, id }, lock: { mode: 'pessimistic_write' } });
  }

  save(manager: EntityManager, channel: ChannelEntity): Promise<ChannelEntity> {
    return manager.getRepository(ChannelEntity).save(channel);
  }

  listForAgent(tenantId: string, agentId: string): Promise<ChannelEntity[]> {
    return this.dataSource
      .getRepository(ChannelEntity)
      .find({ where: { tenantId, agentId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /**
   * Gone from the API and the webhook at once (inactive); the data lifecycle worker removes its chats and messages in
   * bounded batches, then the row.
   */
  async delete(tenantId: string, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const [, affected] = (await this.dataSource.query(
      `UPDATE channels SET deleted_at = now(), active = false WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING 1`,
      [tenantId, id],
    )) as [unknown[], number];
    return affected > 0;
  }

  findByTokenHash(tokenHash: Buffer): Promise<ChannelEntity | null> {
    return this.dataSource.getRepository(ChannelEntity).findOneBy({ tokenHash });
  }
}
