import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ChannelsModule } from '#channels';
import { AppConfig } from '#common';
import { TenancyModule } from '#tenancy';
import { AgentBridge } from './agent-bridge.worker.js';
import { AgentRuntime } from './agent-runtime.js';
import { AttemptSettler } from './attempt-settler.js';
import { ConversationsController } from './conversations.controller.js';
import { ConversationsRepository } from './conversations.repository.js';
import { ConversationsService } from './conversations.service.js';
import { Dispatcher } from './dispatcher.worker.js';
import { EchoAgentRuntime } from './echo-agent.runtime.js';
import { HttpAgentRuntime } from './http-agent.runtime.js';
import { MessagesController } from './messages.controller.js';
import { MessagesService } from './messages.service.js';
import { OutboundMessages } from './outbound-messages.js';
import { OutboundMetrics } from './outbound.metrics.js';
import { OutboundRepository } from './outbound.repository.js';

/** AGENT_RUNTIME_URL picks the HTTP runtime; without it (never in production, see the config) the echo agent answers. */
const agentRuntime: Provider = {
  provide: AgentRuntime,
  inject: [AppConfig],
  useFactory: (config: AppConfig) => (config.agentRuntimeUrl === null ? new EchoAgentRuntime() : new HttpAgentRuntime(config)),
};

/** The admin API over chats and messages (HTTP roles) and the Agent bridge and the dispatcher (worker roles). */
@Module({})
export class OutboundModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: OutboundModule,
      imports: config.runsHttp ? [TenancyModule, ChannelsModule] : [],
      controllers: config.runsHttp ? [ConversationsController, MessagesController] : [],
      providers: [
        OutboundRepository,
        OutboundMessages,
        OutboundMetrics,
        ...(config.runsHttp ? [ConversationsRepository, ConversationsService, MessagesService] : []),
        ...(config.runsWorkers ? [agentRuntime, AttemptSettler, AgentBridge, Dispatcher] : []),
      ],
    };
  }
}
