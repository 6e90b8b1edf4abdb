import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '#common';
import type { AgentEntity } from './agent.entity.js';
import { AgentsRepository } from './agents.repository.js';
import { ChannelLookup } from './channel-lookup.js';
import { AGENT_ID_PATTERN, type AgentDto, type PutAgentDto } from './channels.dto.js';

export function toAgentDto(agent: AgentEntity): AgentDto {
  return {
    agentId: agent.agentId,
    title: agent.title,
    trained: agent.trained,
    createdAt: agent.createdAt,
    updatedAt: agent.updatedAt,
  };
}

export function agentNotFound(): AppError {
  return new AppError(ErrorCode.NOT_FOUND, 'Agent not found.');
}

@Injectable()
export class AgentsService {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly lookup: ChannelLookup,
  ) {}

  async put(tenantId: string, agentId: string, body: PutAgentDto): Promise<{ agent: AgentDto; created: boolean }> {
    if (!AGENT_ID_PATTERN.test(agentId)) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'The request is invalid: check agentId.', [
        { field: 'agentId', message: 'agentId must be 1 to 64 characters of A-Z, a-z, 0-9, _, . and -' },
      ]);
    }
    const upserted = await this.agents.upsert(tenantId, agentId, body.title, body.trained);
    if (!upserted)
      throw new AppError(
        ErrorCode.CONFLICT,
        `Agent ${agentId} is still being deleted (its channels' data is being removed); try again in a minute.`,
      );
    return { agent: toAgentDto(upserted.agent), created: upserted.created };
  }

  async delete(tenantId: string, agentId: string): Promise<void> {
    if (!AGENT_ID_PATTERN.test(agentId) || !(await this.agents.softDelete(tenantId, agentId))) throw agentNotFound();
    this.lookup.forgetAll();
  }

  async get(tenantId: string, agentId: string): Promise<AgentDto> {
    const agent = AGENT_ID_PATTERN.test(agentId) ? await this.agents.find(tenantId, agentId) : null;
    if (!agent) throw agentNotFound();
    return toAgentDto(agent);
  }

  async list(tenantId: string): Promise<AgentDto[]> {
    return (await this.agents.list(tenantId)).map(toAgentDto);
  }
}
