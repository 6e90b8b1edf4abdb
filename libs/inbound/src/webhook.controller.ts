import { All, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { NOT_FOUND } from './inbound-responses.js';
import { InboundService } from './inbound.service.js';

/** The Omnichannel public API. Its body is parsed here, not by Nest: the status table fixes the order of checks. */
@ApiTags('omnichannel (client servers)')
@Controller()
export class WebhookController {
  constructor(private readonly inbound: InboundService) {}

  @Post(':token/bot_api_webhook')
  @HttpCode(200)
  @ApiOperation({ summary: 'A visitor event from a client server. Statuses and bodies follow the status table of omnichannel-protocol.md.' })
  @ApiParam({ name: 'token', description: 'The channel token from platformWebhookUrl.' })
  @ApiResponse({ status: 200, schema: { example: { result: 'ok' } } })
  @ApiResponse({ status: 400, schema: { example: { error: 'There is no active channel for received event.' } } })
  @ApiResponse({ status: 413, schema: { example: { error: 'Request body is larger than 1 MiB' } } })
  @ApiResponse({ status: 500, schema: { example: { error: 'Invalid JSON in request body' } } })
  async receive(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const answer = await this.inbound.receive(token, req);
    if (answer.status === 413) res.set('Connection', 'close');
    res.status(answer.status).json(answer.body);
  }

  @All(':token/bot_api_webhook')
  @ApiExcludeEndpoint()
  other(@Res() res: Response): void {
    res.status(NOT_FOUND.status).json(NOT_FOUND.body);
  }
}
