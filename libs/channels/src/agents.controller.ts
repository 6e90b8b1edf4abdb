import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors, UNAUTHORIZED_DOC, type DocumentedError } from '#common';
import { TenantGuard, TenantId } from '#tenancy';
import { AgentsService } from './agents.service.js';
import { AgentDto, ChannelDto, CreateChannelDto, PutAgentDto } from './channels.dto.js';
import { ChannelsService } from './channels.service.js';
import { AgentIdParam } from './path-params.js';
import { AGENT_NOT_TRAINED_DOC, CHANNEL_EXAMPLE, TENANT_ONLY_DOC } from './channels.docs.js';

const AGENT_NOT_FOUND: DocumentedError = [404, 'NOT_FOUND', 'Agent not found.'];

@ApiTags('agents (tenant)')
@ApiBearerAuth()
@ApiErrors(UNAUTHORIZED_DOC, TENANT_ONLY_DOC)
@UseGuards(TenantGuard)
@Controller('api/v1/agents')
export class AgentsController {
  constructor(
    private readonly agents: AgentsService,
    private readonly channels: ChannelsService,
  ) {}

  @Put(':agentId')
  @ApiOperation({
    summary:
      'Create or update an agent (called by the Platform after every training). 201 when created, 200 when updated.',
  })
  @ApiOkResponse({ type: AgentDto, description: 'Updated.' })
  @ApiCreatedResponse({ type: AgentDto, description: 'Created.' })
  @ApiErrors(
    [
      400,
      'VALIDATION_FAILED',
      'The request is invalid: check trained.',
      [{ field: 'trained', message: 'trained must be a boolean value' }],
    ],
    [409, 'CONFLICT', "Agent a-1 is still being deleted (its channels' data is being removed); try again in a minute."],
  )
  async put(
    @TenantId() tenantId: string,
    @Param('agentId') agentId: string,
    @Body() body: PutAgentDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AgentDto> {
    const { agent, created } = await this.agents.put(tenantId, agentId, body);
    res.status(created ? 201 : 200);
    return agent;
  }

  @Get()
  @ApiOperation({ summary: "List the tenant's agents." })
  @ApiOkResponse({ type: [AgentDto] })
  list(@TenantId() tenantId: string): Promise<AgentDto[]> {
    return this.agents.list(tenantId);
  }

  @Get(':agentId')
  @ApiOperation({ summary: 'Get an agent.' })
  @ApiOkResponse({ type: AgentDto })
  @ApiErrors(AGENT_NOT_FOUND)
  get(@TenantId() tenantId: string, @AgentIdParam() agentId: string): Promise<AgentDto> {
    return this.agents.get(tenantId, agentId);
  }

  @Delete(':agentId')
  @HttpCode(204)
  @ApiOperation({
    summary:
      "Delete an agent with its channels: gone from the API at once, the channels' webhooks answer 400, nothing more is delivered; their chats and messages are removed in the background (docs/operations.md, Data lifecycle).",
  })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors(AGENT_NOT_FOUND)
  delete(@TenantId() tenantId: string, @AgentIdParam() agentId: string): Promise<void> {
    return this.agents.delete(tenantId, agentId);
  }

  @Post(':agentId/channels')
  @ApiOperation({
    summary: 'Create an Agent Channel. When created active, the activation checks run (docs/protocol.md, section 4).',
  })
  @ApiCreatedResponse({ type: ChannelDto, example: CHANNEL_EXAMPLE })
  @ApiErrors(
    [
      400,
      'VALIDATION_FAILED',
      'The request is invalid: check webhookUrl.',
      [{ field: 'webhookUrl', message: 'webhookUrl must be an absolute https URL' }],
    ],
    AGENT_NOT_FOUND,
    AGENT_NOT_TRAINED_DOC,
  )
  createChannel(
    @TenantId() tenantId: string,
    @AgentIdParam() agentId: string,
    @Body() body: CreateChannelDto,
  ): Promise<ChannelDto> {
    return this.channels.create(tenantId, agentId, body);
  }

  @Get(':agentId/channels')
  @ApiOperation({ summary: "List an agent's channels." })
  @ApiOkResponse({ type: [ChannelDto] })
  @ApiErrors(AGENT_NOT_FOUND)
  listChannels(@TenantId() tenantId: string, @AgentIdParam() agentId: string): Promise<ChannelDto[]> {
    return this.channels.listForAgent(tenantId, agentId);
  }
}
