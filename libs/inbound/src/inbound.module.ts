import { Module, type OnModuleInit } from '@nestjs/common';
import { ChannelsModule } from '#channels';
import { CHAT_FIFO_QUEUE, QueueService } from '#database';
import { AGENT_DELIVER_QUEUE } from './agent-delivery.job.js';
import { InboundRepository } from './inbound.repository.js';
import { InboundService } from './inbound.service.js';
import { WebhookHandler } from './webhook.handler.js';

@Module({
  imports: [ChannelsModule],
  providers: [InboundRepository, InboundService, WebhookHandler],
  exports: [WebhookHandler],
})
export class InboundModule implements OnModuleInit {
  constructor(private readonly queue: QueueService) {}

  /** One key per chat: a chat's messages reach the Agent in order, other chats are never held up. */
  async onModuleInit(): Promise<void> {
    await this.queue.ensureQueue(AGENT_DELIVER_QUEUE, CHAT_FIFO_QUEUE);
  }
}
