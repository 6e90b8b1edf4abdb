import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChannelIdParam } from '#channels';
import { ApiErrors, UNAUTHORIZED_DOC } from '#common';
import { TenantGuard, TenantId } from '#tenancy';
import { ConversationsService } from './conversations.service.js';
import { ReplayDto, ReplayResultDto } from './replay.dto.js';

@ApiTags('chats and messages (tenant)')
@ApiBearerAuth()
@ApiErrors(
  UNAUTHORIZED_DOC,
  [403, 'FORBIDDEN', 'This route is for tenants; the operator token cannot use it.'],
  [404, 'NOT_FOUND', 'Channel not found.'],
  [
    400,
    'VALIDATION_FAILED',
    'The request is invalid: check since.',
    [{ field: 'since', message: 'since must be an ISO 8601 time, such as 2026-12-06T08:00:00Z' }],
  ],
)
@UseGuards(TenantGuard)
@Controller('api/v1/channels')
export class ReplayController {
  constructor(private readonly conversations: ConversationsService) {}

  @Post(':channelId/replay')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Bulk replay: every failed message of the channel created in [since, until) is queued again, in per-chat order (replies to the client server, visitor messages to the Agent). Running it again requeues nothing twice.',
  })
  @ApiOkResponse({ type: ReplayResultDto })
  replay(
    @TenantId() tenantId: string,
    @ChannelIdParam() channelId: string,
    @Body() body: ReplayDto,
  ): Promise<ReplayResultDto> {
    return this.conversations.replay(tenantId, channelId, body);
  }
}
