import { Body, Controller, Delete, Get, HttpCode, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, UNAUTHORIZED_DOC } from '#common';
import { TenantGuard, TenantId } from '#tenancy';
import { ChannelDto, UpdateChannelDto } from './channels.dto.js';
import { AGENT_NOT_TRAINED_DOC, CHANNEL_EXAMPLE, CHANNEL_NOT_FOUND_DOC, TENANT_ONLY_DOC } from './channels.docs.js';
import { ChannelsService } from './channels.service.js';
import { ChannelIdParam } from './path-params.js';

const { warnings: _warnings, ...CHANNEL_WITHOUT_WARNINGS } = CHANNEL_EXAMPLE;

@ApiTags('channels (tenant)')
@ApiBearerAuth()
@ApiErrors(UNAUTHORIZED_DOC, TENANT_ONLY_DOC, CHANNEL_NOT_FOUND_DOC)
@UseGuards(TenantGuard)
@Controller('api/v1/channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Get(':channelId')
  @ApiOperation({ summary: 'Get a channel.' })
  @ApiOkResponse({ type: ChannelDto, example: CHANNEL_WITHOUT_WARNINGS })
  get(@TenantId() tenantId: string, @ChannelIdParam() channelId: string): Promise<ChannelDto> {
    return this.channels.get(tenantId, channelId);
  }

  @Patch(':channelId')
  @ApiOperation({
    summary:
      'Save a channel: all given fields apply together or none does. Saving it active runs the activation checks.',
  })
  @ApiOkResponse({ type: ChannelDto, example: CHANNEL_EXAMPLE })
  @ApiErrors(
    [
      400,
      'VALIDATION_FAILED',
      'The request is invalid: check webhookUrl.',
      [
        {
          field: 'webhookUrl',
          message: 'webhookUrl must not contain user info (user:password@); use webhookToken for credentials',
        },
      ],
    ],
    AGENT_NOT_TRAINED_DOC,
  )
  update(
    @TenantId() tenantId: string,
    @ChannelIdParam() channelId: string,
    @Body() body: UpdateChannelDto,
  ): Promise<ChannelDto> {
    return this.channels.update(tenantId, channelId, body);
  }

  @Post(':channelId/rotate-token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Issue a new platform token; the old platformWebhookUrl answers 400 from then on.' })
  @ApiOkResponse({ type: ChannelDto, example: CHANNEL_WITHOUT_WARNINGS })
  rotateToken(@TenantId() tenantId: string, @ChannelIdParam() channelId: string): Promise<ChannelDto> {
    return this.channels.rotateToken(tenantId, channelId);
  }

  @Post(':channelId/rotate-signing-secret')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Issue a new signing secret (shown in this answer only); the previous one still signs beside it, and still verifies, for 24 hours.',
  })
  @ApiOkResponse({ type: ChannelDto })
  rotateSigningSecret(@TenantId() tenantId: string, @ChannelIdParam() channelId: string): Promise<ChannelDto> {
    return this.channels.rotateSigningSecret(tenantId, channelId);
  }

  @Post(':channelId/resume')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Resume a paused channel at once: its held replies are sent again, in per-chat order. An active channel is left as it is.',
  })
  @ApiOkResponse({ type: ChannelDto })
  resume(@TenantId() tenantId: string, @ChannelIdParam() channelId: string): Promise<ChannelDto> {
    return this.channels.resume(tenantId, channelId);
  }

  @Delete(':channelId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a channel; its webhook URL answers 400 from then on.' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  delete(@TenantId() tenantId: string, @ChannelIdParam() channelId: string): Promise<void> {
    return this.channels.delete(tenantId, channelId);
  }
}
