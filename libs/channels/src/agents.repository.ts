import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AgentEntity } from './agent.entity.js';

@Injectable()
export class AgentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Creates or updates in one statement; a missing title keeps the stored one. Null when an agent of that id is
   * still being deleted (its data not yet removed): the id is free again once it is.
   */
  async upsert(
    tenantId: string,
    agentId: string,
    title: string | undefined,
    trained: boolean,
  ): Promise<{ agent: AgentEntity; created: boolean } | null> {
    const rows = (await this.dataSource.query(
      `INSERT INTO agents (tenant_id, agent_id, title, trained)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, agent_id) DO UPDATE
         SET title = CASE WHEN $5 THEN EXCLUDED.title ELSE agents.title END, trained = EXCLUDED.trained, updated_at = now()
         WHERE agents.deleted_at IS NULL
       RETURNING tenant_id, agent_id, title, trained, created_at, updated_at, (xmax = 0) AS created`,
      [tenantId, agentId, title ?? null, trained, title !== undefined],
    )) as {
      tenant_id: string;
      agent_id: string;
      title: string | null;
      trained: boolean;
      created_at: Date;
      updated_at: Date;
      created: boolean;
    }[];
    const row = rows[0];
    if (!row) return null;
    const agent = Object.assign(new AgentEntity(), {
      tenantId: row.tenant_id,
      agentId: row.agent_id,
      title: row.title,
      trained: row.trained,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      deletedAt: null,
    });
    return { agent, created: row.created };
  }

  find(
    tenantId: string,
    agentId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<AgentEntity | null> {
    return manager.getRepository(AgentEntity).findOneBy({ tenantId, agentId });
  }

  /**
   * Deletes an agent with its channels: both are gone from the API and the webhook at once (the channels inactive),
   * and the data lifecycle worker removes their chats and messages in bounded batches, then the rows. False when
   * there is no such live agent.
   */
  async softDelete(tenantId: string, agentId: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [, marked] = (await manager.query(
        `UPDATE agents SET deleted_at = now() WHERE tenant_id = $1 AND agent_id = $2 AND deleted_at IS NULL RETURNING 1`,
        [tenantId, agentId],
      )) as [unknown[], number];
      if (marked === 0) return false;
      await manager.query(
        `UPDATE channels SET deleted_at = COALESCE(deleted_at, now()), active = false WHERE tenant_id = $1 AND agent_id = $2`,
        [tenantId, agentId],
      );
      return true;
    });
  }

  list(tenantId: string): Promise<AgentEntity[]> {
    return this.dataSource
      .getRepository(AgentEntity)
      .find({ where: { tenantId }, order: { createdAt: 'ASC', agentId: 'ASC' } });
  }
}
