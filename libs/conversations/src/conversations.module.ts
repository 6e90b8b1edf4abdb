import { Module, type DynamicModule } from '@nestjs/common';
import { ChannelsModule } from '#channels';
import type { AppConfig } from '#common';
import { TenancyModule } from '#tenancy';
import { ConversationsController } from './conversations.controller.js';
import { ConversationsRepository } from './conversations.repository.js';
import { ConversationsService } from './conversations.service.js';
import { MessagesController } from './messages.controller.js';
import { MessagesService } from './messages.service.js';

/** Chats and messages for every role; the admin API over them for the HTTP roles. */
@Module({})
export class ConversationsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConversationsModule,
      global: true,
      imports: config.runsHttp ? [TenancyModule, ChannelsModule] : [],
      controllers: config.runsHttp ? [ConversationsController, MessagesController] : [],
      providers: [ConversationsRepository, ...(config.runsHttp ? [ConversationsService, MessagesService] : [])],
      exports: [ConversationsRepository],
    };
  }
}
