import { Controller, Delete, Get, Param, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ChannelIdParam } from '#channels';
import { ApiErrors, UNAUTHORIZED_DOC } from '#common';
import { TenantGuard, TenantId } from '#tenancy';
import { ErasedVisitorDto, VisitorExportDto } from './data-lifecycle.dto.js';
import { DataLifecycleService } from './data-lifecycle.service.js';

/** `{visitorId}`: the client's visitor.id, any text; one no chat has (ill-formed text included) is an unknown visitor. */
const VisitorIdParam = (): ParameterDecorator => Param('visitorId');

@ApiTags('visitors (tenant)')
@ApiBearerAuth()
@ApiErrors(
  UNAUTHORIZED_DOC,
  [403, 'FORBIDDEN', 'This route is for tenants; the operator token cannot use it.'],
  [404, 'NOT_FOUND', 'Channel not found.'],
)
@UseGuards(TenantGuard)
@Controller('api/v1/channels/:channelId/visitors/:visitorId')
export class VisitorsController {
  constructor(private readonly lifecycle: DataLifecycleService) {}

  @Delete()
  @ApiOperation({
    summary:
      'Erase a visitor: every chat of this visitor.id in the channel with all its messages, pending ones included. Nothing more is sent for them; a later message of the visitor starts afresh. An unknown visitor is 200 with zeros.',
  })
  @ApiOkResponse({ type: ErasedVisitorDto })
  erase(
    @TenantId() tenantId: string,
    @ChannelIdParam() channelId: string,
    @VisitorIdParam() visitorId: string,
  ): Promise<ErasedVisitorDto> {
    return this.lifecycle.eraseVisitor(tenantId, channelId, visitorId);
  }

  @Get('export')
  @ApiOperation({
    summary:
      "Export a visitor's data: each chat of this visitor.id in the channel with its variables and every message as the messages API shows them, streamed.",
  })
  @ApiProduces('application/json')
  @ApiOkResponse({ type: VisitorExportDto })
  async export(
    @TenantId() tenantId: string,
    @ChannelIdParam() channelId: string,
    @VisitorIdParam() visitorId: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.lifecycle.requireChannel(tenantId, channelId);
    res.status(200).type('application/json');
    res.setHeader('Cache-Control', 'no-store');
    try {
      await this.lifecycle.exportVisitor(tenantId, channelId, visitorId, res);
      res.end();
    } catch (error) {
      // The status line has gone out: a cut connection is the only way left to say the document is incomplete.
      res.destroy(error as Error);
    }
  }
}
