import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AgentEntity } from './agent.entity.js';

@Injectable()
export class AgentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Creates or updates in one statement; a missing title keeps the stored one. */
  async upsert(
    tenantId: string,
    agentId: string,
    title: string | undefined,
    trained: boolean,
  ): Promise<{ agent: AgentEntity; created: boolean }> {
    const rows = (await this.dataSource.query(
      `INSERT INTO agents (tenant_id, agent_id, title, trained)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, agent_id) DO UPDATE
         SET title = CASE WHEN $5 THEN EXCLUDED.title ELSE agents.title END, trained = EXCLUDED.trained, updated_at = now()
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
    const agent = Object.assign(new AgentEntity(), {
      tenantId: row.tenant_id,
      agentId: row.agent_id,
      title: row.title,
      trained: row.trained,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
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

  list(tenantId: string): Promise<AgentEntity[]> {
    return this.dataSource
      .getRepository(AgentEntity)
      .find({ where: { tenantId }, order: { createdAt: 'ASC', agentId: 'ASC' } });
  }
}
