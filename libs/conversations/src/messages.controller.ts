import { Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, UNAUTHORIZED_DOC } from '#common';
import { TenantGuard, TenantId } from '#tenancy';
import { MessageDto } from './chats.dto.js';
import { MessagesService } from './messages.service.js';

@ApiTags('chats and messages (tenant)')
@ApiBearerAuth()
@ApiErrors(UNAUTHORIZED_DOC, [403, 'FORBIDDEN', 'This route is for tenants; the operator token cannot use it.'])
@UseGuards(TenantGuard)
@Controller('api/v1/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post(':messageId/retry')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Queue a failed message again: an outbound message is delivered again (after the chat’s earlier messages), an inbound one is handed to the Agent again. Its retry schedule starts over; attempts keep counting.',
  })
  @ApiAcceptedResponse({ type: MessageDto, description: 'The message, queued (outbound) or received (inbound) again.' })
  @ApiErrors(
    [404, 'NOT_FOUND', 'Message not found.'],
    [409, 'CONFLICT', 'Only a failed message can be retried; this one is delivered.'],
  )
  retry(@TenantId() tenantId: string, @Param('messageId') messageId: string): Promise<MessageDto> {
    return this.messages.retry(tenantId, messageId);
  }
}
