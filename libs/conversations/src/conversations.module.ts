import { Module, type DynamicModule } from '@nestjs/common';
import { ChannelsModule } from '#channels';
import type { AppConfig } from '#common';
import { TenancyModule } from '#tenancy';
import { ConversationsController } from './conversations.controller.js';
import { ConversationsRepository } from './conversations.repository.js';
import { ConversationsService } from './conversations.service.js';
import { MessagesController } from './messages.controller.js';
import { MessagesService } from './messages.service.js';
import { ReplayController } from './replay.controller.js';
import { DataLifecycleRepository } from './lifecycle/data-lifecycle.repository.js';
import { DataLifecycleService } from './lifecycle/data-lifecycle.service.js';
import { DataLifecycleWorker } from './lifecycle/data-lifecycle.worker.js';
import { OffboardingController } from './lifecycle/offboarding.controller.js';
import { VisitorsController } from './lifecycle/visitors.controller.js';

/**
 * Chats and messages for every role; the admin API over them for the HTTP roles; the data lifecycle's sweep and
 * purge for the worker roles.
 */
@Module({})
export class ConversationsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConversationsModule,
      global: true,
      imports: config.runsHttp ? [TenancyModule, ChannelsModule] : [],
      controllers: config.runsHttp
        ? [ConversationsController, MessagesController, ReplayController, VisitorsController, OffboardingController]
        : [],
      providers: [
        ConversationsRepository,
        DataLifecycleRepository,
        ...(config.runsWorkers ? [DataLifecycleWorker] : []),
        ...(config.runsHttp ? [ConversationsService, MessagesService, DataLifecycleService] : []),
      ],
      exports: [ConversationsRepository],
    };
  }
}
