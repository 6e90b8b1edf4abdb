import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChannelIdParam } from '#channels';
import { ApiErrors, PathId, UNAUTHORIZED_DOC, anyText } from '#common';
import { TenantGuard, TenantId } from '#tenancy';
import { ChatPageDto, MessagePageDto, PageQueryDto, QueuedMessageDto, WriteMessageDto } from './chats.dto.js';
import { ConversationsService, chatNotFound } from './conversations.service.js';

/** `{chatId}`: the internal id or the client's chat_id, so any text the text rule allows. */
const ChatIdParam = (): ParameterDecorator => PathId('chatId', anyText, chatNotFound);

@ApiTags('chats and messages (tenant)')
@ApiBearerAuth()
@ApiErrors(
  UNAUTHORIZED_DOC,
  [403, 'FORBIDDEN', 'This route is for tenants; the operator token cannot use it.'],
  [
    400,
    'VALIDATION_FAILED',
    'The request is invalid: check limit.',
    [{ field: 'limit', message: 'limit must not be greater than 200' }],
  ],
)
@UseGuards(TenantGuard)
@Controller('api/v1/channels/:channelId/chats')
export class ConversationsController {
  constructor(private readonly conversations: ConversationsService) {}

  @Get()
  @ApiOperation({ summary: "A channel's chats, newest activity first, paginated." })
  @ApiOkResponse({ type: ChatPageDto })
  @ApiErrors([404, 'NOT_FOUND', 'Channel not found.'])
  listChats(
    @TenantId() tenantId: string,
    @ChannelIdParam() channelId: string,
    @Query() query: PageQueryDto,
  ): Promise<ChatPageDto> {
    return this.conversations.listChats(tenantId, channelId, query.limit, query.cursor);
  }

  @Get(':chatId/messages')
  @ApiOperation({
    summary:
      "A chat's messages in order, both directions, paginated. `chatId` is the internal id or the client's chat_id.",
  })
  @ApiOkResponse({ type: MessagePageDto })
  @ApiErrors([404, 'NOT_FOUND', 'Chat not found.'])
  listMessages(
    @TenantId() tenantId: string,
    @ChannelIdParam() channelId: string,
    @ChatIdParam() chatId: string,
    @Query() query: PageQueryDto,
  ): Promise<MessagePageDto> {
    return this.conversations.listMessages(tenantId, channelId, chatId, query.limit, query.cursor);
  }

  @Post(':chatId/messages')
  @HttpCode(202)
  @ApiOperation({
    summary:
      "The Agent (or any Platform service) writes first into an existing chat: text, buttons and/or a file link, queued and delivered with send_message like any reply. `chatId` is the internal id or the client's chat_id.",
  })
  @ApiAcceptedResponse({
    type: QueuedMessageDto,
    description: 'The queued outbound message (with followUps when the request made several).',
  })
  @ApiErrors([404, 'NOT_FOUND', 'Chat not found.'])
  write(
    @TenantId() tenantId: string,
    @ChannelIdParam() channelId: string,
    @ChatIdParam() chatId: string,
    @Body() body: WriteMessageDto,
  ): Promise<QueuedMessageDto> {
    return this.conversations.write(tenantId, channelId, chatId, body);
  }
}
