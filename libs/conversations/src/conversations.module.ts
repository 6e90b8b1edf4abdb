import { Module, type DynamicModule } from '@nestjs/common';
import { ChannelsModule } from '#channels';
import type { AppConfig } from '#common';
import { TenancyModule } from '#tenancy';
import { ChatLanesRepository } from './chat-lanes.repository.js';
import { ChatLanes } from './chat-lanes.service.js';
import { ConversationsController } from './conversations.controller.js';
import { ConversationsRepository } from './conversations.repository.js';
import { ConversationsService } from './conversations.service.js';
import { LaneWakeups } from './lane-wakeups.js';
import { MessagesController } from './messages.controller.js';
import { MessagesService } from './messages.service.js';

/** Chats, messages and their lanes for every role; the admin API over them for the HTTP roles. Global: one set of wake-ups. */
@Module({})
export class ConversationsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConversationsModule,
      global: true,
      imports: config.runsHttp ? [TenancyModule, ChannelsModule] : [],
      controllers: config.runsHttp ? [ConversationsController, MessagesController] : [],
      providers: [
        ChatLanesRepository,
        ChatLanes,
        LaneWakeups,
        ConversationsRepository,
        ...(config.runsHttp ? [ConversationsService, MessagesService] : []),
      ],
      exports: [ChatLanes, ChatLanesRepository, ConversationsRepository],
    };
  }
}
