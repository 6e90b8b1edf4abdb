import { Module } from '@nestjs/common';
import { ChannelsModule } from '#channels';
import { TenancyModule } from '#tenancy';
import { ConversationsController } from './conversations.controller.js';
import { ConversationsRepository } from './conversations.repository.js';
import { ConversationsService } from './conversations.service.js';

/** So far the admin read API over chats and messages; the Agent bridge and the dispatcher come with issue #5. */
@Module({
  imports: [TenancyModule, ChannelsModule],
  controllers: [ConversationsController],
  providers: [ConversationsRepository, ConversationsService],
})
export class OutboundModule {}
